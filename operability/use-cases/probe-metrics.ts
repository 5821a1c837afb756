import type { Services } from '../../platform/context';
import { METRICS_WINDOW_MS } from '../limits';
import { openIncidentCounts, recentRunsWithSlug } from '../repositories/probes';
import { STEPS } from '../repositories/rows';
import { addRun, availabilityOf, emptyAggregate, type Aggregate } from '../shared/aggregate';
import { quantile } from '../shared/histogram';

const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * The figures of /metrics' probe families, over the last hour of raw runs: per tenant (slug) and step,
 * the latency quantiles in seconds; per tenant the availability ratio and the open incidents. Labels
 * are tenant slugs, the four step names and three quantiles: bounded by the number of tenants.
 */
export async function probeMetrics(services: Pick<Services, 'db'>, now: Date = new Date()) {
  const runs = await recentRunsWithSlug(services.db, new Date(now.getTime() - METRICS_WINDOW_MS).toISOString());
  const byTenant = new Map<string, Aggregate>();
  for (const r of runs) {
    let a = byTenant.get(r.slug);
    if (!a) byTenant.set(r.slug, (a = emptyAggregate()));
    addRun(a, r, Number.POSITIVE_INFINITY);
  }
  const latency: Array<{ tenant: string; step: string; quantile: string; seconds: number }> = [];
  const availability: Array<{ tenant: string; ratio: number }> = [];
  for (const [tenant, a] of byTenant) {
    const ratio = availabilityOf(a);
    if (ratio !== null) availability.push({ tenant, ratio: ratio / 100 });
    for (const step of STEPS)
      for (const q of QUANTILES) {
        const ms = quantile(a.hist[step], q);
        if (ms !== null) latency.push({ tenant, step, quantile: String(q), seconds: ms / 1000 });
      }
  }
  const open = await openIncidentCounts(services.db);
  return { latency, availability, openIncidents: open.map((o) => ({ tenant: o.slug, count: o.n })) };
}
