import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { AppError, notFound } from '../../platform/errors';
import { findTenant } from '../../tenancy/repositories/tenants';
import { MAX_INCIDENTS_LISTED } from '../limits';
import * as repo from '../repositories/probes';
import { STEPS, type Step } from '../repositories/rows';
import { addRun, availabilityOf, emptyAggregate, fromHourlyRow, hourOf, mergeAggregate, type Aggregate } from '../shared/aggregate';
import { countOf, quantile } from '../shared/histogram';
import { presentIncident } from '../shared/presenters';
import { loadSettings } from '../shared/settings';

export const slaReportInput = z
  .object({
    tenantId: z.uuid(),
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM')
      .optional(),
    week: z
      .string()
      .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'an ISO week is YYYY-Www')
      .optional(),
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD')
      .optional(),
  })
  .refine((i) => [i.month, i.week, i.day].filter(Boolean).length === 1, { message: 'give exactly one of month, week or day' });
export type SlaReportInput = z.input<typeof slaReportInput>;

const DAY_MS = 86_400_000;

/** [from, to) of the period, UTC. */
export function periodOf(i: { month?: string; week?: string; day?: string }): {
  kind: 'month' | 'week' | 'day';
  label: string;
  from: Date;
  to: Date;
} {
  if (i.month) {
    const [y, m] = i.month.split('-').map(Number) as [number, number];
    return { kind: 'month', label: i.month, from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) };
  }
  if (i.week) {
    const [y, w] = i.week.split('-W').map(Number) as [number, number];
    // ISO week 1 holds January 4th; weeks start on Monday
    const jan4 = new Date(Date.UTC(y, 0, 4));
    const monday1 = jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * DAY_MS;
    const from = new Date(monday1 + (w - 1) * 7 * DAY_MS);
    return { kind: 'week', label: i.week, from, to: new Date(from.getTime() + 7 * DAY_MS) };
  }
  const from = new Date(`${i.day}T00:00:00.000Z`);
  if (Number.isNaN(from.getTime()) || from.toISOString().slice(0, 10) !== i.day)
    throw new AppError('validation_failed', `not a day: ${i.day}`);
  return { kind: 'day', label: i.day!, from, to: new Date(from.getTime() + DAY_MS) };
}

const round = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

function stepFigures(a: Aggregate) {
  return Object.fromEntries(
    STEPS.map((s) => [
      s,
      { samples: countOf(a.hist[s]), p50Ms: quantile(a.hist[s], 0.5), p95Ms: quantile(a.hist[s], 0.95), p99Ms: quantile(a.hist[s], 0.99) },
    ]),
  ) as Record<Step, { samples: number; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null }>;
}

/**
 * A tenant's SLA report for a month, an ISO week or a day (UTC): availability (the share of the measured
 * minutes whose probe run succeeded), p50/p95/p99 of each step, minutes in breach (failed, or the login
 * over the target), whether the targets were met, a row per day, and the incidents that overlap the
 * period. Read from the hourly rollups, and from the raw runs for hours not rolled up yet (the current
 * ones), so a report of today is up to the minute. Percentiles are histogram buckets' upper bounds
 * (at most 10 % high, shared/histogram.ts). Minutes without any probe run count neither way.
 */
export async function slaReport(ctx: Ctx, input: SlaReportInput, now: Date = new Date()) {
  const i = slaReportInput.parse(input);
  assertTenantAccess(ctx.actor, i.tenantId, 'tenant');
  const tenant = await findTenant(ctx.db, i.tenantId);
  if (!tenant) throw notFound('tenant', i.tenantId);
  const period = periodOf(i);
  const settings = await loadSettings(ctx.db, i.tenantId);
  const from = period.from.toISOString();
  const to = period.to.toISOString();

  const byHour = new Map<string, Aggregate>();
  for (const h of await repo.hourlyBetween(ctx.db, i.tenantId, hourOf(from), hourOf(to))) byHour.set(h.hour, fromHourlyRow(h));
  const rolled = new Set(byHour.keys());
  for (const run of await repo.runsBetween(ctx.db, i.tenantId, from, to)) {
    const hour = hourOf(run.at);
    if (rolled.has(hour)) continue;
    let a = byHour.get(hour);
    if (!a) byHour.set(hour, (a = emptyAggregate()));
    addRun(a, run, settings.loginP95TargetMs);
  }
  const total = emptyAggregate();
  const days = new Map<string, Aggregate>();
  for (const [hour, a] of [...byHour.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
    mergeAggregate(total, a);
    const day = hour.slice(0, 10);
    let d = days.get(day);
    if (!d) days.set(day, (d = emptyAggregate()));
    mergeAggregate(d, a);
  }
  const incidents = await repo.incidentsOverlapping(ctx.db, { tenantId: i.tenantId, from, to, limit: MAX_INCIDENTS_LISTED });
  const availability = availabilityOf(total);
  const steps = stepFigures(total);
  return {
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    period: { kind: period.kind, label: period.label, from, to, complete: period.to.getTime() <= now.getTime() },
    target: { availabilityPercent: settings.availabilityTarget, loginP95Ms: settings.loginP95TargetMs },
    availabilityPercent: round(availability, 4),
    runs: total.runs,
    failedRuns: total.failures,
    minutesMeasured: round(total.minutes, 2),
    minutesInBreach: round(total.breachMinutes, 2),
    steps,
    met: {
      availability: availability === null ? null : availability >= settings.availabilityTarget,
      loginP95: steps.login.p95Ms === null ? null : steps.login.p95Ms <= settings.loginP95TargetMs,
    },
    days: [...days.entries()].map(([date, d]) => {
      const s = stepFigures(d);
      return {
        date,
        availabilityPercent: round(availabilityOf(d), 4),
        runs: d.runs,
        failedRuns: d.failures,
        minutesInBreach: round(d.breachMinutes, 2),
        loginP95Ms: s.login.p95Ms,
        selectP95Ms: s.select.p95Ms,
        fetchP95Ms: s.fetch.p95Ms,
        deliveryP95Ms: s.delivery.p95Ms,
      };
    }),
    incidents: incidents.map((r) => presentIncident(r)),
  };
}
export type SlaReport = Awaited<ReturnType<typeof slaReport>>;
