import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { notFound } from '../../platform/errors';
import { FORECAST_MAX_SAMPLES, FORECAST_MIN_SPAN_MS, FORECAST_WINDOW_DAYS } from '../limits';
import * as repo from '../repositories/usage';

/**
 * When will an account (or the tenant's pool) be full at the current rate?
 *
 * A straight line is fitted by least squares through the usage samples of the recent window
 * (FORECAST_WINDOW_DAYS); its slope is the rate. The date is when the line, continued from the latest
 * figure, reaches the capacity (the allocation; for the pool, the pool). `null` when usage is not
 * growing (slope ≤ 0), when there are fewer than two samples or they span less than
 * FORECAST_MIN_SPAN_MS. Already full: the date of the latest sample.
 *
 * The pool's rate is the sum of its accounts' rates (the pool's usage is the sum of theirs, and each
 * account is sampled on its own clock, so their lines are fitted apart and added).
 */
export interface Point {
  /** ms since the epoch */
  t: number;
  /** bytes */
  y: number;
}

/** Least-squares slope (bytes per ms) of the points, or null when it is not defined. */
export function leastSquaresSlope(points: Point[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  // Centre the times: epoch milliseconds squared lose precision in doubles.
  const t0 = points[0]!.t;
  let st = 0;
  let sy = 0;
  for (const p of points) {
    st += p.t - t0;
    sy += p.y;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    const dt = p.t - t0 - mt;
    num += dt * (p.y - my);
    den += dt * dt;
  }
  return den === 0 ? null : num / den;
}

export interface Forecast {
  /** growth in bytes per day over the window (may be negative), null when unknown */
  bytesPerDay: number | null;
  /** ISO date-time at which usage reaches the capacity, null when not growing or unknown */
  fullAt: string | null;
  /** samples the line was fitted through */
  samples: number;
}

const DAY_MS = 86_400_000;

/** Forecast from a rate (bytes per ms), the current usage at time `at`, and the capacity. */
export function forecastFromRate(rate: number | null, usedBytes: number, at: number, capacity: number, samples: number): Forecast {
  if (rate === null) return { bytesPerDay: null, fullAt: null, samples };
  const bytesPerDay = rate * DAY_MS;
  if (usedBytes >= capacity) return { bytesPerDay, fullAt: new Date(at).toISOString(), samples };
  if (rate <= 0) return { bytesPerDay, fullAt: null, samples };
  const ms = (capacity - usedBytes) / rate;
  // Beyond what a Date can hold (year 275760): not growing in any sense that matters.
  const when = at + ms;
  return { bytesPerDay, fullAt: Number.isFinite(when) && when < 8.64e15 ? new Date(Math.ceil(when)).toISOString() : null, samples };
}

/** The rate of a series, or null when the series is too short or too brief to mean anything. */
export function seriesRate(points: Point[]): number | null {
  if (points.length < 2 || points.at(-1)!.t - points[0]!.t < FORECAST_MIN_SPAN_MS) return null;
  return leastSquaresSlope(points);
}

export function forecastSeries(points: Point[], capacity: number): Forecast {
  const last = points.at(-1);
  if (!last) return { bytesPerDay: null, fullAt: null, samples: 0 };
  return forecastFromRate(seriesRate(points), last.y, last.t, capacity, points.length);
}

export interface TenantForecast {
  tenantId: string;
  windowDays: number;
  pool: Forecast & { poolBytes: number; usedBytes: number };
  accounts: Array<Forecast & { accountId: string; address: string; allocationBytes: number; usedBytes: number }>;
}

/** Forecasts of a tenant's pool and of each of its accounts with samples. */
export async function tenantForecast(ctx: Pick<Ctx, 'db' | 'actor'>, tenantId: string, now = Date.now()): Promise<TenantForecast> {
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const tenant = await repo.findTenant(ctx.db, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  const since = new Date(now - FORECAST_WINDOW_DAYS * DAY_MS).toISOString();
  const samples = await repo.samplesSince(ctx.db, tenantId, since, FORECAST_MAX_SAMPLES * 20);
  const series = new Map<string, Point[]>();
  for (const s of samples) {
    const list = series.get(s.account_id) ?? [];
    list.push({ t: Date.parse(s.at), y: s.used_bytes });
    series.set(s.account_id, list);
  }
  const accounts = await repo.findAccounts(ctx.db, tenantId, [...series.keys()]);
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
