import { useState } from 'preact/hooks';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Field, FormError, Notice, useTitle } from '../../components/ui';
import { useSession, type StaffRole as Role } from '../../session';

const ROLES: Role[] = ['tenant_admin', 'migration_engineer', 'support', 'operator'];
/** Expiries the create form offers (days); the API's default is 90. `never` is offered to operators only. */
const EXPIRY_DAYS = ['7', '30', '90', '365'];
const DEFAULT_EXPIRY = '90';

/** API tokens and staff of one tenant. */
export function AccessPage({ params }: { params: { tenantId: string } }) {
  const { t } = useI18n();
  useTitle(t('navAccess'));
  return (
    <section data-page="access">
      <h1>{t('navAccess')}</h1>
      <Tokens tenantId={params.tenantId} />
      <Staff tenantId={params.tenantId} />
    </section>
  );
}

function RoleSelect(p: { id: string; name: string; value: Role; onChange(r: Role): void }) {
  const { t } = useI18n();
  return (
    <select id={p.id} name={p.name} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role_${r}`)}
        </option>
      ))}
    </select>
  );
}

function Tokens({ tenantId }: { tenantId: string }) {
  const { t, date } = useI18n();
  const { me } = useSession();
  const list = useResource(() => call(api.GET('/tokens', { params: { query: { tenantId, limit: 200 } } })), [tenantId]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('tenant_admin');
  const [days, setDays] = useState(DEFAULT_EXPIRY);
  const create = useAction(async () => {
    const expiresInDays = days === 'never' ? ('never' as const) : Number(days);
    const r = await call(api.POST('/tokens', { body: { name, role, tenantId, expiresInDays } }));
    setName('');
    await list.reload();
    return r;
  });
  const revoke = useAction(async (tokenId: string) => {
    await call(api.DELETE('/tokens/{tokenId}', { params: { path: { tokenId } } }));
    await list.reload();
  });
  return (
    <section class="card" aria-labelledby="tok-h">
      <h2 id="tok-h">{t('tokens')}</h2>
      <Loaded res={list}>
        {(l) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('role')}</th>
                  <th scope="col">{t('tokenOwner')}</th>
                  <th scope="col">{t('createdAt')}</th>
                  <th scope="col">{t('expiresAt')}</th>
                  <th scope="col">{t('lastUsed')}</th>
                  <th scope="col">{t('actions')}</th>
                </tr>
              </thead>
              <tbody>
                {l.items.map((k) => (
                  <tr key={k.id}>
                    <td>
                      {k.name} <code>{k.prefix}…</code>
                    </td>
                    <td>{k.role}</td>
                    <td>{k.createdByLabel ?? '–'}</td>
                    <td>{date(k.createdAt)}</td>
                    <td>{k.expiresAt ? date(k.expiresAt) : t('expiryNever')}</td>
                    <td>{date(k.lastUsedAt)}</td>
                    <td>
                      {!k.revokedAt && (
                        <button type="button" class="link" onClick={() => void revoke.go(k.id)}>
                          {t('revoke')} <span class="visually-hidden">{k.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <FormError error={revoke.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.go();
        }}
      >
        <div class="grid">
          <Field label={t('name')} name="name" error={create.error}>
            {(p) => <input {...p} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}
          </Field>
          <Field label={t('role')} name="role" error={create.error}>
            {(p) => <RoleSelect id={p.id} name={p.name} value={role} onChange={setRole} />}
          </Field>
          <Field label={t('expiresIn')} name="expiresInDays" error={create.error}>
            {(p) => (
              <select {...p} value={days} onChange={(e) => setDays(e.currentTarget.value)}>
                {EXPIRY_DAYS.map((d) => (
                  <option key={d} value={d}>
                    {t('expiryDays', { days: d })}
                  </option>
                ))}
                {me.role === 'operator' && <option value="never">{t('expiryNever')}</option>}
              </select>
            )}
          </Field>
        </div>
        <FormError error={create.error} fields={['name', 'role', 'expiresInDays']} />
        {create.result && (
          <Notice>
            {t('tokenSecret', { secret: '' })}
            <code data-testid="token-secret">{create.result.secret}</code>
          </Notice>
        )}
        <button type="submit" aria-busy={create.pending}>
          {t('create')}
        </button>
      </form>
    </section>
  );
}

function Staff({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const list = useResource(() => call(api.GET('/staff', { params: { query: { tenantId, limit: 200 } } })), [tenantId]);
  const empty = { email: '', name: '', password: '', role: 'tenant_admin' as Role };
  const [f, setF] = useState(empty);
  const create = useAction(async () => {
    const r = await call(api.POST('/staff', { body: { ...f, tenantId } }));
    setF(empty);
    await list.reload();
    return r;
  });
  const disable = useAction(async (staffId: string) => {
    await call(api.POST('/staff/{staffId}/disable', { params: { path: { staffId } } }));
    await list.reload();
  });
  return (
    <section class="card" aria-labelledby="staff-h">
      <h2 id="staff-h">{t('staff')}</h2>
      <Loaded res={list}>
        {(l) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('email')}</th>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('role')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('actions')}</th>
                </tr>
              </thead>
              <tbody>
                {l.items.map((s) => (
                  <tr key={s.id}>
                    <td>{s.email}</td>
                    <td>{s.name}</td>
                    <td>{s.role}</td>
                    <td>{s.status}</td>
                    <td>
                      {s.status === 'active' && (
                        <button type="button" class="link" onClick={() => void disable.go(s.id)}>
                          {t('disable')} <span class="visually-hidden">{s.email}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <FormError error={disable.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.go();
        }}
      >
        <div class="grid">
          <Field label={t('email')} name="email" error={create.error}>
            {(p) => <input {...p} type="email" required value={f.email} onInput={(e) => setF({ ...f, email: e.currentTarget.value })} />}
          </Field>
          <Field label={t('name')} name="name" error={create.error}>
            {(p) => <input {...p} value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />}
          </Field>
        </div>
        <div class="grid">
          <Field label={t('password')} name="password" error={create.error}>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                required
                value={f.password}
                onInput={(e) => setF({ ...f, password: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('role')} name="role" error={create.error}>
            {(p) => <RoleSelect id={p.id} name={p.name} value={f.role} onChange={(role) => setF({ ...f, role })} />}
          </Field>
        </div>
        <FormError error={create.error} fields={['email', 'name', 'password', 'role']} />
        <button type="submit" aria-busy={create.pending}>
          {t('create')}
        </button>
      </form>
    </section>
  );
}
