import { add, decode, encode, merge, type Histogram } from './histogram';
import { STEPS, type ProbeHourlyRow, type ProbeRunRow, type Step } from '../repositories/rows';

/**
 * The figures of a span of probe runs: the unit of the hourly rollup and of every report. Sums and
 * histograms, so spans add up exactly (a day of hours, a month of days).
 */
export interface Aggregate {
  runs: number;
  failures: number;
  /** minutes the runs stand for (each run its interval) */
  minutes: number;
  failedMinutes: number;
  /** failed, or the login step over the tenant's target */
  breachMinutes: number;
  hist: Record<Step, Histogram>;
}

export const emptyAggregate = (): Aggregate => ({
  runs: 0,
  failures: 0,
  minutes: 0,
  failedMinutes: 0,
  breachMinutes: 0,
  hist: { login: new Map(), select: new Map(), fetch: new Map(), delivery: new Map() },
});

export const stepMs = (run: ProbeRunRow, step: Step): number | null => {
  const v = run[`${step}_ms`];
  return v === null || v === undefined ? null : Number(v);
};

/** Whether a run counts against the SLA: it failed, or its login took longer than the target. */
export function inBreach(run: ProbeRunRow, loginTargetMs: number): boolean {
  if (!run.ok) return true;
  const login = stepMs(run, 'login');
  return login !== null && login > loginTargetMs;
}

export function addRun(a: Aggregate, run: ProbeRunRow, loginTargetMs: number): void {
  const minutes = Number(run.minutes);
  a.runs++;
  a.minutes += minutes;
  if (!run.ok) {
    a.failures++;
    a.failedMinutes += minutes;
  }
  if (inBreach(run, loginTargetMs)) a.breachMinutes += minutes;
  // latencies of the steps that succeeded; a failed step has no latency, it has a failure
  for (const s of STEPS) {
    const ms = stepMs(run, s);
    if (ms !== null) add(a.hist[s], ms);
  }
}

export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  into.runs += from.runs;
  into.failures += from.failures;
  into.minutes += from.minutes;
  into.failedMinutes += from.failedMinutes;
  into.breachMinutes += from.breachMinutes;
  for (const s of STEPS) merge(into.hist[s], from.hist[s]);
}

export function hourlyRow(tenantId: string, hour: string, a: Aggregate): ProbeHourlyRow {
  return {
    tenant_id: tenantId,
    hour,
    runs: a.runs,
    failures: a.failures,
    minutes: a.minutes,
    failed_minutes: a.failedMinutes,
    breach_minutes: a.breachMinutes,
    login_hist: encode(a.hist.login),
    select_hist: encode(a.hist.select),
    fetch_hist: encode(a.hist.fetch),
    delivery_hist: encode(a.hist.delivery),
  };
}

export function fromHourlyRow(r: ProbeHourlyRow): Aggregate {
  return {
    runs: Number(r.runs),
    failures: Number(r.failures),
    minutes: Number(r.minutes),
    failedMinutes: Number(r.failed_minutes),
    breachMinutes: Number(r.breach_minutes),
    hist: { login: decode(r.login_hist), select: decode(r.select_hist), fetch: decode(r.fetch_hist), delivery: decode(r.delivery_hist) },
  };
}

/** The hour of a time, as probe_hourly names it: 2026-11-05T14. */
export const hourOf = (iso: string): string => iso.slice(0, 13);

/** Availability in percent of the measured minutes; null when nothing was measured. */
export const availabilityOf = (a: Aggregate): number | null => (a.minutes > 0 ? (100 * (a.minutes - a.failedMinutes)) / a.minutes : null);
