import type { Services } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { HOURLY_RETENTION_DAYS, RAW_RETENTION_DAYS } from '../limits';
import * as repo from '../repositories/probes';
import { addRun, emptyAggregate, hourlyRow, hourOf } from '../shared/aggregate';
import { loadSettings } from '../shared/settings';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Hours recomputed on every pass even when rolled up already: a run of the previous hour may be stored late. */
const RECENT_HOURS = 2;

/**
 * Job probe.rollup (hourly): every complete hour of raw runs becomes one probe_hourly row per tenant
 * (recomputed from the raw runs, so a second pass writes the same row), then raw runs older than
 * RAW_RETENTION_DAYS (whole hours, all rolled up by then) and hourly rows older than
 * HOURLY_RETENTION_DAYS are deleted. Breach minutes use the tenant's login target at rollup time.
 */
export async function rollUpProbes(services: Pick<Services, 'db'>, now: Date = new Date()) {
  const currentHourStart = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const rawFrom = new Date(currentHourStart.getTime() - RAW_RETENTION_DAYS * DAY_MS);
  const recentFrom = new Date(currentHourStart.getTime() - RECENT_HOURS * HOUR_MS);
  const pairs = await repo.hoursToRoll(services.db, rawFrom.toISOString(), currentHourStart.toISOString(), recentFrom.toISOString());
  const targets = new Map<string, number>();
  for (const { tenant_id, hour } of pairs) {
    let target = targets.get(tenant_id);
    if (target === undefined) targets.set(tenant_id, (target = (await loadSettings(services.db, tenant_id)).loginP95TargetMs));
    const from = `${hour}:00:00.000Z`;
    const to = new Date(Date.parse(from) + HOUR_MS).toISOString();
    const agg = emptyAggregate();
    for (const run of await repo.runsBetween(services.db, tenant_id, from, to)) addRun(agg, run, target);
    await repo.saveHourly(services.db, hourlyRow(tenant_id, hourOf(from), agg));
  }
  const pruned = await inTransaction(services.db, async ({ trx }) => ({
    raw: await repo.deleteRunsBefore(trx, rawFrom.toISOString()),
    hourly: await repo.deleteHourlyBefore(trx, hourOf(new Date(currentHourStart.getTime() - HOURLY_RETENTION_DAYS * DAY_MS).toISOString())),
  }));
  return { hoursRolledUp: pairs.length, rawDeleted: pruned.raw, hourlyDeleted: pruned.hourly };
}
