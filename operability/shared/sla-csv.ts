import { csvField } from '../../tenancy/use-cases/audit-log';
import type { SlaReport } from '../use-cases/sla-report';

/** The CSV columns of an SLA report: one row per day, then one `total` row for the period. */
export const SLA_CSV_COLUMNS = [
  'tenant',
  'date',
  'availability_percent',
  'runs',
  'failed_runs',
  'minutes_in_breach',
  'login_p95_ms',
  'select_p95_ms',
  'fetch_p95_ms',
  'delivery_p95_ms',
] as const;

/** RFC 4180 (the audit export's field quoting, formula-safe), CRLF line ends. */
export function slaReportCsv(r: SlaReport): string {
  const line = (v: unknown[]) => v.map(csvField).join(',') + '\r\n';
  let out = line([...SLA_CSV_COLUMNS]);
  for (const d of r.days)
    out += line([
      r.tenant.slug,
      d.date,
      d.availabilityPercent,
      d.runs,
      d.failedRuns,
      d.minutesInBreach,
      d.loginP95Ms,
      d.selectP95Ms,
      d.fetchP95Ms,
      d.deliveryP95Ms,
    ]);
  out += line([
    r.tenant.slug,
    `total ${r.period.label}`,
    r.availabilityPercent,
    r.runs,
    r.failedRuns,
    r.minutesInBreach,
    r.steps.login.p95Ms,
    r.steps.select.p95Ms,
    r.steps.fetch.p95Ms,
    r.steps.delivery.p95Ms,
  ]);
  return out;
}
