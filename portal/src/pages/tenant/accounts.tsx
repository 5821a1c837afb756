import { useState } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { ReassignForm } from '../../components/reassign-form';
import { Badge, Field, FormError, MiB, Notice, Pager, SortHeader, UsageBar, useTitle } from '../../components/ui';
import { loadAllocations, loadPool, type Allocation } from './data';
import { PoolCard } from './overview';

const PAGE_SIZE = 25;

type SortKey = 'address' | 'status' | 'allocation' | 'usage';
const sorters: Record<SortKey, (a: Allocation, b: Allocation) => number> = {
  address: (a, b) => a.address.localeCompare(b.address),
  status: (a, b) => a.status.localeCompare(b.status) || a.address.localeCompare(b.address),
  allocation: (a, b) => a.allocationBytes - b.allocationBytes,
  usage: (a, b) => (a.percent ?? -1) - (b.percent ?? -1),
};

export function AccountsPage({ params }: { params: { tenantId: string } }) {
  const { t, bytes } = useI18n();
  const { tenantId } = params;
  useTitle(t('navAccounts'));
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const sort = search.get('sort') ?? 'address:asc';
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);
  const accounts = useResource(() => loadAllocations(tenantId), [tenantId], { everyMs: 10_000 });
  const pool = useResource(() => loadPool(tenantId), [tenantId], { everyMs: 10_000 });
  const reloadAll = () => Promise.all([accounts.reload(), pool.reload()]).then(() => undefined);

  const setQuery = (patch: Record<string, string | null>) =>
    setSearch((prev) => {
      const n = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(patch))
        if (v === null || v === '') n.delete(k);
        else n.set(k, v);
      return n;
    });
  const onSort = (col: string) => {
    const [by, dir] = sort.split(':');
    setQuery({ sort: `${col}:${by === col && dir === 'asc' ? 'desc' : 'asc'}`, page: null });
  };

  return (
    <section data-page="accounts">
      <h1>{t('navAccounts')}</h1>
      <Loaded res={pool}>{(p) => <PoolCard pool={p} />}</Loaded>
      <Loaded res={accounts}>
        {(all) => {
          const [by, dir] = sort.split(':') as [SortKey, string];
          const needle = q.trim().toLowerCase();
          const rows = all.filter((a) => !needle || a.address.toLowerCase().includes(needle)).sort(sorters[by] ?? sorters.address);
          if (dir === 'desc') rows.reverse();
          const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
          const shown = rows.slice((Math.min(page, pages) - 1) * PAGE_SIZE, Math.min(page, pages) * PAGE_SIZE);
          return (
            <>
              <search>
                <form role="search" onSubmit={(e) => e.preventDefault()}>
                  <div>
                    <label for="accounts-q">{t('searchAccounts')}</label>
                    <input
                      id="accounts-q"
                      type="search"
                      name="q"
                      value={q}
                      onInput={(e) => setQuery({ q: e.currentTarget.value, page: null })}
                    />
                  </div>
                </form>
              </search>
              <div class="table-wrap">
                <table data-testid="accounts-table">
                  <thead>
                    <tr>
                      <SortHeader col="address" label={t('address')} sort={sort} onSort={onSort} />
                      <SortHeader col="status" label={t('status')} sort={sort} onSort={onSort} />
                      <SortHeader col="allocation" label={t('allocation')} sort={sort} onSort={onSort} />
                      <SortHeader col="usage" label={t('usage')} sort={sort} onSort={onSort} />
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((a) => (
                      <tr key={a.accountId} data-address={a.address}>
                        <td>
                          <Link href={`/t/${tenantId}/accounts/${a.accountId}`}>{a.address}</Link>
                        </td>
                        <td>
                          <Badge status={a.status} />
                        </td>
                        <td class="num" data-testid="allocation">
                          {bytes(a.allocationBytes)}
                        </td>
                        <td class="usage">
                          <UsageBar
                            value={a.usedBytes ?? 0}
                            max={a.allocationBytes}
                            label={t('usageOf', { used: bytes(a.usedBytes), allocation: bytes(a.allocationBytes) })}
                          />
                          <small>{t('usageOf', { used: bytes(a.usedBytes), allocation: bytes(a.allocationBytes) })}</small>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={Math.min(page, pages)} pages={pages} onPage={(p) => setQuery({ page: String(p) })} />
              {pool.data && <ReassignForm tenantId={tenantId} pool={pool.data} accounts={all} onDone={() => void reloadAll()} />}
            </>
          );
        }}
      </Loaded>
      <CreateAccount tenantId={tenantId} onDone={() => void reloadAll()} />
    </section>
  );
}

function CreateAccount({ tenantId, onDone }: { tenantId: string; onDone(): void }) {
  const { t } = useI18n();
  const empty = { address: '', password: '', displayName: '', mib: '' };
  const [f, setF] = useState(empty);
  const create = useAction(async () => {
    const r = await call(
      api.POST('/tenants/{tenantId}/accounts', {
        params: { path: { tenantId } },
        body: {
          address: f.address.trim(),
          password: f.password,
          ...(f.displayName ? { displayName: f.displayName } : {}),
          ...(f.mib ? { allocationBytes: Math.round(Number(f.mib) * MiB) } : {}),
        },
      }),
    );
    setF(empty);
    onDone();
    return r;
  });
  const fields = ['address', 'password', 'displayName', 'allocationBytes'];
  return (
    <section class="card" aria-labelledby="create-h">
      <h2 id="create-h">{t('createAccount')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.go();
        }}
      >
        <div class="grid">
          <Field label={t('address')} name="address" error={create.error}>
            {(p) => (
              <input {...p} type="email" required value={f.address} onInput={(e) => setF({ ...f, address: e.currentTarget.value })} />
            )}
          </Field>
          <Field label={t('displayName')} name="displayName" error={create.error}>
            {(p) => <input {...p} value={f.displayName} onInput={(e) => setF({ ...f, displayName: e.currentTarget.value })} />}
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
          <Field label={t('allocationMiB')} name="allocationBytes" error={create.error}>
            {(p) => <input {...p} inputMode="decimal" value={f.mib} onInput={(e) => setF({ ...f, mib: e.currentTarget.value })} />}
          </Field>
        </div>
        <FormError error={create.error} fields={fields} />
        {create.result && <Notice>{t('accountCreated', { address: create.result.address })}</Notice>}
        <button type="submit" disabled={create.pending} aria-busy={create.pending}>
          {t('create')}
        </button>
      </form>
    </section>
  );
}
