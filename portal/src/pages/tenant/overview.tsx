import { Link } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { PoolBar, useTitle } from '../../components/ui';
import { UsageChart, type Series } from '../../components/usage-chart';
import { loadAllocations, loadPool, loadTenant, type Pool } from './data';
import { BackupHealth } from './backup-health';

/** How many accounts the usage chart draws: the largest ones (one history request each). */
const CHART_ACCOUNTS = 5;

export function TenantOverview({ params }: { params: { tenantId: string } }) {
  const { t } = useI18n();
  const { tenantId } = params;
  const tenant = useResource(() => loadTenant(tenantId), [tenantId]);
  const pool = useResource(() => loadPool(tenantId), [tenantId], { everyMs: 10_000 });
  useTitle(`${t('navOverview')} ${tenant.data?.name ?? ''}`);
  return (
    <Loaded res={tenant}>
      {(tn) => (
        <section data-page="tenant-overview">
          <h1>{tn.name}</h1>
          <Loaded res={pool}>{(p) => <PoolCard pool={p} />}</Loaded>
          <p>
            <Link href={`/t/${tenantId}/accounts`}>{t('navAccounts')} →</Link>
          </p>
          <History tenantId={tenantId} />
          <BackupHealth tenantId={tenantId} />
        </section>
      )}
    </Loaded>
  );
}

export function PoolCard({ pool }: { pool: Pool }) {
  const { t, bytes, date } = useI18n();
  const f = pool.forecast;
  return (
    <section class="card" aria-labelledby="pool-h">
      <h2 id="pool-h">{t('pool')}</h2>
      <PoolBar used={pool.usedBytes} allocated={pool.allocatedBytes} pool={pool.poolBytes} />
      <dl class="numbers" data-testid="pool-numbers">
        <div>
          <dt>{t('poolSize')}</dt>
          <dd>{bytes(pool.poolBytes)}</dd>
        </div>
        <div>
          <dt>{t('allocated')}</dt>
          <dd>{bytes(pool.allocatedBytes)}</dd>
        </div>
        <div>
          <dt>{t('used')}</dt>
          <dd>{bytes(pool.usedBytes)}</dd>
        </div>
        <div>
          <dt>{t('free')}</dt>
          <dd data-testid="pool-free">{bytes(pool.freeBytes)}</dd>
        </div>
      </dl>
      <h3>{t('forecast')}</h3>
      <p data-testid="forecast">
        {f.fullAt
          ? t('fullOn', { date: date(f.fullAt, { dateStyle: 'long' }), rate: bytes(f.bytesPerDay ?? 0) })
          : f.samples < 2
            ? t('tooFewSamples')
            : t('notFilling')}
      </p>
    </section>
  );
}

function History({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const series = useResource(async (): Promise<Series[]> => {
    const all = await loadAllocations(tenantId);
    const top = [...all].sort((a, b) => (b.usedBytes ?? 0) - (a.usedBytes ?? 0)).slice(0, CHART_ACCOUNTS);
    return Promise.all(
      top.map(async (a) => {
        const h = await call(
          api.GET('/tenants/{tenantId}/quota/accounts/{accountId}/usage', {
            params: { path: { tenantId, accountId: a.accountId }, query: { limit: 500 } },
          }),
        );
        return { label: a.address, points: h.items.map((i) => ({ at: i.at, bytes: i.usedBytes })) };
      }),
    );
  }, [tenantId]);
  return (
    <section class="card" aria-labelledby="hist-h">
      <h2 id="hist-h">{t('usageOverTime')}</h2>
      <Loaded res={series}>{(s) => <UsageChart series={s} title={t('usageOverTime')} />}</Loaded>
    </section>
  );
}
