import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Field, FormError, Notice, useTitle } from '../../components/ui';
import { useSession } from '../../session';

export function NotificationsPage({ params }: { params: { tenantId: string } }) {
  const { t, bytes, date } = useI18n();
  const { tenantId } = params;
  const { me } = useSession();
  useTitle(t('notifications'));
  const list = useResource(
    () => call(api.GET('/tenants/{tenantId}/quota/notifications', { params: { path: { tenantId }, query: { limit: 100 } } })),
    [tenantId],
    { everyMs: 30_000 },
  );
  return (
    <section data-page="notifications">
      <h1>{t('notifications')}</h1>
      <Loaded res={list}>
        {(l) =>
          l.items.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('when')}</th>
                    <th scope="col">{t('account')}</th>
                    <th scope="col">{t('threshold')}</th>
                    <th scope="col">{t('usage')}</th>
                    <th scope="col">{t('delivery')}</th>
                  </tr>
                </thead>
                <tbody>
                  {l.items.map((n) => (
                    <tr key={n.id}>
                      <td>{date(n.createdAt)}</td>
                      <td>{n.address}</td>
                      <td class="num">{n.threshold} %</td>
                      <td>{t('usageOf', { used: bytes(n.usedBytes), allocation: bytes(n.allocationBytes) })}</td>
                      <td>{n.webhookStatus}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {(me.role === 'tenant_admin' || me.role === 'operator') && <Webhook tenantId={tenantId} />}
    </section>
  );
}

function Webhook({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const [url, setUrl] = useState('');
  useEffect(() => setUrl(''), [tenantId]);
  const save = useAction(() =>
    call(
      api.PUT('/tenants/{tenantId}/quota/webhook', {
        params: { path: { tenantId } },
        body: { url: url.trim() === '' ? null : url.trim() },
      }),
    ),
  );
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void save.go();
      }}
    >
      <Field label={t('webhook')} name="url" error={save.error}>
        {(p) => <input {...p} type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="https://…" />}
      </Field>
      <FormError error={save.error} fields={['url']} />
      {save.result && <Notice>{t('webhookSaved')}</Notice>}
      <button type="submit" aria-busy={save.pending}>
        {t('save')}
      </button>
    </form>
  );
}
