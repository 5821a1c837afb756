import { Link, useSearchParams } from 'wouter-preact';
import { allPages, api, call } from '../api/client';
import { useI18n } from '../i18n';
import { useResource } from '../live';
import { Loaded } from '../components/loaded';
import { Badge, useTitle } from '../components/ui';

/** Support: pick a tenant, find an account, and go to its backups (search, preview, restore) or its audit trail. */
export function SupportPage() {
  const { t } = useI18n();
  useTitle(t('supportHome'));
  const [search, setSearch] = useSearchParams();
  const tenantId = search.get('tenant') ?? '';
  const q = search.get('q') ?? '';
  const tenants = useResource(() => allPages((cursor) => call(api.GET('/tenants', { params: { query: { limit: 500, cursor } } }))), []);
  const accounts = useResource(
    async () =>
      tenantId
        ? (
            await call(
              api.GET('/tenants/{tenantId}/accounts', {
                params: { path: { tenantId }, query: { limit: 50, ...(q ? { search: q } : {}) } },
              }),
            )
          ).items
        : [],
    [tenantId, q],
  );
  return (
    <section data-page="support">
      <h1>{t('supportHome')}</h1>
      <p>{t('supportHelp')}</p>
      <Loaded res={tenants}>
        {(list) => (
          <div class="grid">
            <div>
              <label for="support-tenant">{t('tenant')}</label>
              <select id="support-tenant" value={tenantId} onChange={(e) => setSearch({ tenant: e.currentTarget.value })}>
                <option value="">–</option>
                {list.map((tn) => (
                  <option key={tn.id} value={tn.id}>
                    {tn.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="support-q">{t('searchAccounts')}</label>
              <input
                id="support-q"
                type="search"
                value={q}
                disabled={!tenantId}
                onInput={(e) => setSearch({ tenant: tenantId, q: e.currentTarget.value })}
              />
            </div>
          </div>
        )}
      </Loaded>
      {tenantId && (
        <Loaded res={accounts}>
          {(list) => (
            <ul>
              {list.map((a) => (
                <li key={a.id}>
                  <Link href={`/t/${tenantId}/accounts/${a.id}`} id={`acct-${a.id}`}>
                    {a.address}
                  </Link>{' '}
                  <Badge status={a.status} />{' '}
                  {/* named "Backups and restore", described by the address: the address stays the account link's name alone */}
                  <Link href={`/t/${tenantId}/accounts/${a.id}/backups`} aria-describedby={`acct-${a.id}`}>
                    {t('backups')}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Loaded>
      )}
      {tenantId && (
        <p>
          <Link href={`/audit?tenantId=${tenantId}`}>{t('auditTrail')}</Link>
        </p>
      )}
    </section>
  );
}
