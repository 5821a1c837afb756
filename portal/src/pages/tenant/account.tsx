import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, call, reasonHeader, SUPPORT_MAX_REASON_CHARS, SUPPORT_MIN_REASON_CHARS } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Badge, Field, FormError, Notice, useTitle } from '../../components/ui';
import { UsageChart } from '../../components/usage-chart';
import { useSession } from '../../session';

export function AccountPage({ params }: { params: { tenantId: string; accountId: string } }) {
  const { t, bytes, date } = useI18n();
  const { tenantId, accountId } = params;
  const path = { tenantId, accountId };
  const { me } = useSession();
  const writable = me.role === 'operator' || me.role === 'tenant_admin';
  const account = useResource(
    () => call(api.GET('/tenants/{tenantId}/accounts/{accountId}', { params: { path } })),
    [tenantId, accountId],
    {
      everyMs: 15_000,
    },
  );
  const usage = useResource(
    () => call(api.GET('/tenants/{tenantId}/quota/accounts/{accountId}/usage', { params: { path, query: { limit: 500 } } })),
    [tenantId, accountId],
  );
  useTitle(account.data?.address ?? t('account'));

  const act = useAction(async (what: 'suspend' | 'resume' | 'restore' | 'delete') => {
    if (what === 'delete') await call(api.DELETE('/tenants/{tenantId}/accounts/{accountId}', { params: { path } }));
    else if (what === 'suspend') await call(api.POST('/tenants/{tenantId}/accounts/{accountId}/suspend', { params: { path } }));
    else if (what === 'resume') await call(api.POST('/tenants/{tenantId}/accounts/{accountId}/resume', { params: { path } }));
    else await call(api.POST('/tenants/{tenantId}/accounts/{accountId}/restore', { params: { path } }));
    await account.reload();
    return what;
  });

  return (
    <Loaded res={account}>
      {(a) => (
        <section data-page="account">
          <p>
            <Link href={`/t/${tenantId}/accounts`}>← {t('navAccounts')}</Link>
          </p>
          <h1>{a.address}</h1>
          <dl class="numbers">
            <div>
              <dt>{t('displayName')}</dt>
              <dd>{a.displayName || '–'}</dd>
            </div>
            <div>
              <dt>{t('status')}</dt>
              <dd>
                <Badge status={a.status} />
              </dd>
            </div>
            <div>
              <dt>{t('allocation')}</dt>
              <dd>{bytes(a.allocationBytes)}</dd>
            </div>
          </dl>
          {a.status === 'deleting' && a.deleteAfter && <p>{t('deleteAfter', { date: date(a.deleteAfter) })}</p>}
          {me.role !== 'migration_engineer' && (
            <p>
              <Link href={`/t/${tenantId}/accounts/${accountId}/backups`}>{t('backups')}</Link>
            </p>
          )}
          {writable && (
            <div class="actions">
              {a.status === 'active' && (
                <button type="button" class="secondary" onClick={() => void act.go('suspend')}>
                  {t('suspend')}
                </button>
              )}
              {a.status === 'suspended' && (
                <button type="button" class="secondary" onClick={() => void act.go('resume')}>
                  {t('resume')}
                </button>
              )}
              {a.status === 'deleting' ? (
                <button type="button" onClick={() => void act.go('restore')}>
                  {t('restore')}
                </button>
              ) : (
                <button
                  type="button"
                  class="contrast"
                  onClick={() => {
                    if (window.confirm(t('confirmDelete', { address: a.address }))) void act.go('delete');
                  }}
                >
                  {t('delete')}
                </button>
              )}
            </div>
          )}
          <FormError error={act.error} />
          <section class="card" aria-labelledby="usage-h">
            <h2 id="usage-h">{t('usage')}</h2>
            <Loaded res={usage}>
              {(h) => (
                <UsageChart
                  title={t('usage')}
                  series={[{ label: a.address, points: h.items.map((i) => ({ at: i.at, bytes: i.usedBytes })) }]}
                />
              )}
            </Loaded>
          </section>
          <Forwardings tenantId={tenantId} accountId={accountId} writable={writable} />
          {me.role !== 'migration_engineer' && <Password tenantId={tenantId} accountId={accountId} askReason={me.role === 'support'} />}
        </section>
      )}
    </Loaded>
  );
}

function Forwardings({ tenantId, accountId, writable }: { tenantId: string; accountId: string; writable: boolean }) {
  const { t } = useI18n();
  const list = useResource(
    () => call(api.GET('/tenants/{tenantId}/accounts/{accountId}/forwardings', { params: { path: { tenantId, accountId } } })),
    [tenantId, accountId],
  );
  const [target, setTarget] = useState('');
  const [keepCopy, setKeepCopy] = useState(true);
  const add = useAction(async () => {
    await call(
      api.POST('/tenants/{tenantId}/accounts/{accountId}/forwardings', {
        params: { path: { tenantId, accountId } },
        body: { targetAddress: target.trim(), keepCopy },
      }),
    );
    setTarget('');
    await list.reload();
  });
  const remove = useAction(async (forwardingId: string) => {
    await call(api.DELETE('/tenants/{tenantId}/forwardings/{forwardingId}', { params: { path: { tenantId, forwardingId } } }));
    await list.reload();
  });
  return (
    <section class="card" aria-labelledby="fwd-h">
      <h2 id="fwd-h">{t('forwardings')}</h2>
      <Loaded res={list}>
        {(l) =>
          l.items.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <ul>
              {l.items.map((f) => (
                <li key={f.id}>
                  {f.targetAddress} {f.keepCopy ? `(${t('keepCopy')})` : ''}{' '}
                  {writable && (
                    <button type="button" class="link" onClick={() => void remove.go(f.id)}>
                      {t('remove')} <span class="visually-hidden">{f.targetAddress}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <FormError error={remove.error} />
      {writable && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add.go();
          }}
        >
          <Field label={t('targetAddress')} name="targetAddress" error={add.error}>
            {(p) => <input {...p} type="email" required value={target} onInput={(e) => setTarget(e.currentTarget.value)} />}
          </Field>
          <label>
            <input type="checkbox" checked={keepCopy} onChange={(e) => setKeepCopy(e.currentTarget.checked)} /> {t('keepCopy')}
          </label>
          <FormError error={add.error} fields={['targetAddress']} />
          <button type="submit" aria-busy={add.pending}>
            {t('add')}
          </button>
        </form>
      )}
    </section>
  );
}

/** Sets an account's password; support says why (the API requires it of support and audits it). */
function Password({ tenantId, accountId, askReason }: { tenantId: string; accountId: string; askReason: boolean }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const change = useAction(async () => {
    await call(
      api.POST('/tenants/{tenantId}/accounts/{accountId}/password', {
        params: { path: { tenantId, accountId }, header: reasonHeader(askReason ? reason : '') },
        body: { password },
      }),
    );
    setPassword('');
    setReason('');
    return true;
  });
  return (
    <section class="card" aria-labelledby="pw-h">
      <h2 id="pw-h">{t('setPassword')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void change.go();
        }}
      >
        <Field label={t('password')} name="password" error={change.error}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        {askReason && (
          <Field label={t('passwordReason')} name="reason" error={change.error} hint={t('passwordReasonHint')}>
            {(p) => (
              <input
                {...p}
                required
                minLength={SUPPORT_MIN_REASON_CHARS}
                maxLength={SUPPORT_MAX_REASON_CHARS}
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <FormError error={change.error} fields={['password', ...(askReason ? ['reason'] : [])]} />
        {change.result && <Notice>{t('passwordChanged')}</Notice>}
        <button type="submit" aria-busy={change.pending}>
          {t('save')}
        </button>
      </form>
    </section>
  );
}
