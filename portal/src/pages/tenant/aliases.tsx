import { useState } from 'preact/hooks';
import { allPages, api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Field, FormError, useTitle } from '../../components/ui';
import { loadAllocations } from './data';

export function AliasesPage({ params }: { params: { tenantId: string } }) {
  const { t } = useI18n();
  const { tenantId } = params;
  useTitle(t('navAliases'));
  const aliases = useResource(
    () =>
      allPages((cursor) => call(api.GET('/tenants/{tenantId}/aliases', { params: { path: { tenantId }, query: { limit: 500, cursor } } }))),
    [tenantId],
  );
  const accounts = useResource(() => loadAllocations(tenantId), [tenantId]);
  const [address, setAddress] = useState('');
  const [accountId, setAccountId] = useState('');
  const add = useAction(async () => {
    await call(api.POST('/tenants/{tenantId}/aliases', { params: { path: { tenantId } }, body: { address: address.trim(), accountId } }));
    setAddress('');
    await aliases.reload();
  });
  const remove = useAction(async (aliasId: string) => {
    await call(api.DELETE('/tenants/{tenantId}/aliases/{aliasId}', { params: { path: { tenantId, aliasId } } }));
    await aliases.reload();
  });
  return (
    <section data-page="aliases">
      <h1>{t('navAliases')}</h1>
      <Loaded res={aliases}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('aliasAddress')}</th>
                    <th scope="col">{t('deliversTo')}</th>
                    <th scope="col">{t('actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((a) => (
                    <tr key={a.id}>
                      <td>{a.address}</td>
                      <td>{a.accountAddress ?? a.accountId}</td>
                      <td>
                        <button type="button" class="link" onClick={() => void remove.go(a.id)}>
                          {t('remove')} <span class="visually-hidden">{a.address}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <FormError error={remove.error} />
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void add.go();
        }}
      >
        <div class="grid">
          <Field label={t('aliasAddress')} name="address" error={add.error}>
            {(p) => <input {...p} type="email" required value={address} onInput={(e) => setAddress(e.currentTarget.value)} />}
          </Field>
          <Field label={t('deliversTo')} name="accountId" error={add.error}>
            {(p) => (
              <select {...p} required value={accountId} onChange={(e) => setAccountId(e.currentTarget.value)}>
                <option value="">–</option>
                {(accounts.data ?? []).map((a) => (
                  <option key={a.accountId} value={a.accountId}>
                    {a.address}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <FormError error={add.error} fields={['address', 'accountId']} />
        <button type="submit" aria-busy={add.pending}>
          {t('add')}
        </button>
      </form>
    </section>
  );
}
