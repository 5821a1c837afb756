import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { allPages, api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Badge, Field, FormError, GiB, MiB, Notice, PoolBar, useTitle } from '../../components/ui';
import { loadPool } from '../tenant/data';

/** Operators: every tenant with its pool as a bar, a new tenant, and a pool change. */
export function TenantsPage() {
  const { t, bytes } = useI18n();
  useTitle(t('tenants'));
  const tenants = useResource(
    async () => {
      const list = await allPages((cursor) => call(api.GET('/tenants', { params: { query: { limit: 500, cursor } } })));
      return Promise.all(list.map(async (tn) => ({ tenant: tn, pool: await loadPool(tn.id) })));
    },
    [],
    { everyMs: 30_000 },
  );
  return (
    <section data-page="tenants">
      <h1>{t('tenants')}</h1>
      <Loaded res={tenants}>
        {(list) => (
          <div class="table-wrap">
            <table data-testid="tenants-table">
              <thead>
                <tr>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('pool')}</th>
                  <th scope="col">{t('free')}</th>
                  <th scope="col">{t('changePool')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map(({ tenant: tn, pool }) => (
                  <tr key={tn.id}>
                    <td>
                      <Link href={`/t/${tn.id}/overview`}>{tn.name}</Link> <small>({tn.slug})</small>
                    </td>
                    <td>
                      <Badge status={tn.status} />
                    </td>
                    <td class="usage">
                      <PoolBar used={pool.usedBytes} allocated={pool.allocatedBytes} pool={pool.poolBytes} />
                      <small>
                        {t('poolBar', { used: bytes(pool.usedBytes), allocated: bytes(pool.allocatedBytes), pool: bytes(pool.poolBytes) })}
                      </small>
                    </td>
                    <td class="num">{bytes(pool.freeBytes)}</td>
                    <td>
                      <PoolForm tenantId={tn.id} poolBytes={pool.poolBytes} onDone={() => void tenants.reload()} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <CreateTenant onDone={() => void tenants.reload()} />
    </section>
  );
}

function PoolForm({ tenantId, poolBytes, onDone }: { tenantId: string; poolBytes: number; onDone(): void }) {
  const { t } = useI18n();
  const [gib, setGib] = useState(String(Math.round((poolBytes / GiB) * 100) / 100));
  const save = useAction(async () => {
    const r = await call(
      api.PUT('/tenants/{tenantId}/quota/pool', { params: { path: { tenantId } }, body: { poolBytes: Math.round(Number(gib) * GiB) } }),
    );
    onDone();
    return r;
  });
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void save.go();
      }}
    >
      <Field label={t('poolGiB')} name="poolBytes" error={save.error}>
        {(p) => <input {...p} inputMode="decimal" value={gib} onInput={(e) => setGib(e.currentTarget.value)} />}
      </Field>
      <FormError error={save.error} fields={['poolBytes']} />
      <button type="submit" class="secondary" aria-busy={save.pending}>
        {t('save')}
      </button>
    </form>
  );
}

function CreateTenant({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const empty = { slug: '', name: '', gib: '10', mib: '1024' };
  const [f, setF] = useState(empty);
  const create = useAction(async () => {
    const r = await call(
      api.POST('/tenants', {
        body: {
          slug: f.slug,
          name: f.name,
          poolBytes: Math.round(Number(f.gib) * GiB),
          defaultAllocationBytes: Math.round(Number(f.mib) * MiB),
        },
      }),
    );
    setF(empty);
    onDone();
    return r;
  });
  return (
    <section class="card" aria-labelledby="ct-h">
      <h2 id="ct-h">{t('createTenant')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.go();
        }}
      >
        <div class="grid">
          <Field label={t('slug')} name="slug" error={create.error}>
            {(p) => <input {...p} required value={f.slug} onInput={(e) => setF({ ...f, slug: e.currentTarget.value })} />}
          </Field>
          <Field label={t('name')} name="name" error={create.error}>
            {(p) => <input {...p} required value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />}
          </Field>
          <Field label={t('poolGiB')} name="poolBytes" error={create.error}>
            {(p) => <input {...p} inputMode="decimal" value={f.gib} onInput={(e) => setF({ ...f, gib: e.currentTarget.value })} />}
          </Field>
          <Field label={t('defaultAllocationMiB')} name="defaultAllocationBytes" error={create.error}>
            {(p) => <input {...p} inputMode="decimal" value={f.mib} onInput={(e) => setF({ ...f, mib: e.currentTarget.value })} />}
          </Field>
        </div>
        <FormError error={create.error} fields={['slug', 'name', 'poolBytes', 'defaultAllocationBytes']} />
        {create.result && <Notice>✓ {create.result.name}</Notice>}
        <button type="submit" aria-busy={create.pending}>
          {t('create')}
        </button>
      </form>
    </section>
  );
}
