import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { notFound } from '../../platform/errors';
import { FORECAST_MAX_SAMPLES, FORECAST_WINDOW_DAYS } from '../limits';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';
import { DAY_MS, Forecast, forecastFromRate, seriesRate, type Point } from '../shared/forecast';

export const TenantForecast = z.object({
  tenantId: z.string(),
  windowDays: z.number(),
  pool: Forecast.extend({ poolBytes: z.number(), usedBytes: z.number() }),
  accounts: z.array(Forecast.extend({ accountId: z.string(), address: z.string(), allocationBytes: z.number(), usedBytes: z.number() })),
});
export type TenantForecast = z.infer<typeof TenantForecast>;

/** Forecasts of a tenant's pool and of each of its accounts with samples. */
export async function tenantForecast(ctx: Pick<Ctx, 'db' | 'actor'>, tenantId: string, now = Date.now()): Promise<TenantForecast> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const tenant = await allocations.findTenantPool(ctx.db, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  const since = new Date(now - FORECAST_WINDOW_DAYS * DAY_MS).toISOString();
  const samples = await repo.samplesSince(ctx.db, tenantId, since, FORECAST_MAX_SAMPLES * 20);
  const series = new Map<string, Point[]>();
  for (const s of samples) {
    const list = series.get(s.account_id) ?? [];
    list.push({ t: Date.parse(s.at), y: s.used_bytes });
    series.set(s.account_id, list);
  }
  const accounts = await allocations.findAccountAllocations(ctx.db, tenantId, [...series.keys()]);
  const usage = await repo.tenantUsage(ctx.db, tenantId);
  let poolRate: number | null = null;
  let lastAt = 0;
  const out: TenantForecast['accounts'] = [];
  for (const a of accounts.sort((x, y) => (x.address < y.address ? -1 : 1))) {
    const points = series.get(a.id)!.slice(-FORECAST_MAX_SAMPLES);
    const rate = seriesRate(points);
    if (rate !== null) poolRate = (poolRate ?? 0) + rate;
    const last = points.at(-1)!;
    lastAt = Math.max(lastAt, last.t);
    out.push({
      accountId: a.id,
      address: a.address,
      allocationBytes: a.allocation_bytes,
      usedBytes: last.y,
      ...forecastFromRate(rate, last.y, last.t, a.allocation_bytes, points.length),
    });
  }
  const pool = forecastFromRate(poolRate, usage.usedBytes, lastAt || now, tenant.pool_bytes, samples.length);
  return {
    tenantId,
    windowDays: FORECAST_WINDOW_DAYS,
    pool: { ...pool, poolBytes: tenant.pool_bytes, usedBytes: usage.usedBytes },
    accounts: out,
  };
}
