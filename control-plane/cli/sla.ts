import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { slaReport, type SlaReport } from '../../operability/use-cases/sla-report';
import { slaReportCsv } from '../../operability/shared/sla-csv';
import { getProbeSettings } from '../../operability/use-cases/get-probe-settings';
import { setProbeSettings } from '../../operability/use-cases/set-probe-settings';
import { listIncidents } from '../../operability/use-cases/list-incidents';
import { annotateIncident } from '../../operability/use-cases/annotate-incident';
import type { PresentedIncident } from '../../operability/shared/presenters';
import { intOption, output, withCtx, type OutputOptions } from './runtime';

/** `postwerk sla report|target` and `postwerk incident list|annotate`, as the `cli` actor. */

const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(3)} %`);
const yesNo = (v: boolean | null) => (v === null ? 'no data' : v ? 'met' : 'MISSED');
const onOff = (name: string) => (v: string) => {
  if (v !== 'on' && v !== 'off') throw invalid(`${name} takes on or off`);
  return v === 'on';
};

function incidentLine(i: PresentedIncident): string {
  const state = i.open ? 'OPEN  ' : 'closed';
  const span = `${i.openedAt} → ${i.closedAt ?? 'now'} (${i.minutes} min)`;
  const note = [i.cause ? `cause: ${i.cause}` : '', i.fix ? `fix: ${i.fix}` : ''].filter(Boolean).join('; ');
  return `${state} ${i.id}  ${i.tenant ? `${i.tenant}  ` : ''}${i.kind}/${i.step}  ${span}  ${i.error ?? ''}${note ? `  [${note}]` : ''}`;
}

function reportTable(r: SlaReport): string[] {
  const lines = [
    `SLA ${r.period.kind} ${r.period.label} of ${r.tenant.slug}${r.period.complete ? '' : ' (so far)'}`,
    `  availability   ${pct(r.availabilityPercent)}  target ${r.target.availabilityPercent} %  ${yesNo(r.met.availability)}`,
    `  login p95      ${ms(r.steps.login.p95Ms)}  target ${r.target.loginP95Ms} ms  ${yesNo(r.met.loginP95)}`,
    `  probe runs     ${r.runs} (${r.failedRuns} failed), ${r.minutesMeasured} minutes measured, ${r.minutesInBreach} in breach`,
    '',
    `  ${'step'.padEnd(10)}${'samples'.padStart(9)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'p99'.padStart(10)}`,
  ];
  for (const [step, s] of Object.entries(r.steps))
    lines.push(
      `  ${step.padEnd(10)}${String(s.samples).padStart(9)}${ms(s.p50Ms).padStart(10)}${ms(s.p95Ms).padStart(10)}${ms(s.p99Ms).padStart(10)}`,
    );
  lines.push(
    '',
    `  ${'day'.padEnd(12)}${'availability'.padStart(14)}${'runs'.padStart(7)}${'failed'.padStart(8)}${'breach min'.padStart(12)}${'login p95'.padStart(11)}${'delivery p95'.padStart(14)}`,
  );
  for (const d of r.days)
    lines.push(
      `  ${d.date.padEnd(12)}${pct(d.availabilityPercent).padStart(14)}${String(d.runs).padStart(7)}${String(d.failedRuns).padStart(8)}${String(d.minutesInBreach).padStart(12)}${ms(d.loginP95Ms).padStart(11)}${ms(d.deliveryP95Ms).padStart(14)}`,
    );
  lines.push('', `  incidents: ${r.incidents.length || 'none'}`);
  for (const i of r.incidents) lines.push(`  ${incidentLine(i)}`);
  return lines;
}

export function registerSlaCommands(program: Command): void {
  const sla = program.command('sla').description("tenants' service levels, measured by the synthetic probes");
  sla
    .command('report')
    .description('availability, p50/p95/p99 per probe step, minutes in breach, days and incidents of a month, ISO week or day (UTC)')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--month <YYYY-MM>', 'a month: 2026-11')
    .option('--week <YYYY-Www>', 'an ISO week: 2026-W48')
    .option('--day <YYYY-MM-DD>', 'a day: 2026-11-05')
    .option('--csv', 'CSV: a row per day and a total row')
    .option('--json', 'JSON output')
    .action((o: { tenant: string; month?: string; week?: string; day?: string; csv?: boolean } & OutputOptions) =>
      withCtx(async (ctx) => {
        if (o.csv && o.json) throw invalid('--csv and --json exclude each other');
        const t = await resolveTenant(ctx, o.tenant);
        const r = await slaReport(ctx, { tenantId: t.id, month: o.month, week: o.week, day: o.day });
        if (o.csv) return void process.stdout.write(slaReportCsv(r));
        output(o, r, reportTable);
      }),
    );
  sla
    .command('target')
    .description("show a tenant's SLA target and probe settings, or set any of them")
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--availability <percent>', 'monthly availability target, percent (99.9)', (v) => Number(v))
    .option('--login-p95-ms <ms>', 'target of the login step p95', intOption('--login-p95-ms'))
    .option('--every-seconds <n>', 'seconds between probe runs (60)', intOption('--every-seconds'))
    .option('--delivery <on|off>', 'include the delivery probe through the SMTP ingress', onOff('--delivery'))
    .option('--probes <on|off>', 'probe the tenant at all', onOff('--probes'))
    .option('--failures-to-open <n>', 'consecutive failed runs that open an incident', intOption('--failures-to-open'))
    .option('--slow-minutes-to-open <n>', 'minutes of login over target that open an incident', intOption('--slow-minutes-to-open'))
    .option('--json', 'JSON output')
    .action(
      (
        o: {
          tenant: string;
          availability?: number;
          loginP95Ms?: number;
          everySeconds?: number;
          delivery?: boolean;
          probes?: boolean;
          failuresToOpen?: number;
          slowMinutesToOpen?: number;
        } & OutputOptions,
      ) =>
        withCtx(async (ctx) => {
          const t = await resolveTenant(ctx, o.tenant);
          const patch = {
            availabilityTarget: o.availability,
            loginP95TargetMs: o.loginP95Ms,
            everySeconds: o.everySeconds,
            delivery: o.delivery,
            enabled: o.probes,
            failuresToOpen: o.failuresToOpen,
            slowMinutesToOpen: o.slowMinutesToOpen,
          };
          const set = Object.values(patch).some((v) => v !== undefined);
          const s = set ? await setProbeSettings(ctx, { tenantId: t.id, ...patch }) : await getProbeSettings(ctx, { tenantId: t.id });
          output(o, s, (v: typeof s) => [
            `${t.slug}: availability target ${v.availabilityTarget} %, login p95 target ${v.loginP95TargetMs} ms${v.custom ? '' : ' (defaults)'}`,
            `  probes ${v.enabled ? 'on' : 'off'}, every ${v.everySeconds} s, delivery probe ${v.delivery ? 'on' : 'off'}`,
            `  an incident opens after ${v.failuresToOpen} failed runs or ${v.slowMinutesToOpen} minutes of slow logins`,
          ]);
        }),
    );

  const incident = program.command('incident').description('incidents opened by the synthetic probes');
  incident
    .command('list')
    .description("incidents of the last 30 days, oldest first (every tenant's without --tenant)")
    .option('--tenant <tenant>', 'tenant id or slug')
    .option('--open', 'open incidents only')
    .option('--json', 'JSON output')
    .action((o: { tenant?: string; open?: boolean } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : undefined;
        const r = await listIncidents(ctx, { tenantId, open: !!o.open });
        output(o, r, (v: typeof r) => (v.items.length ? v.items.map(incidentLine) : 'no incidents'));
      }),
    );
  incident
    .command('annotate <incidentId>')
    .description("write an incident's cause and fix (a problem record; audited)")
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--cause <text>', 'what caused it')
    .option('--fix <text>', 'what fixed it, or will')
    .option('--json', 'JSON output')
    .action((incidentId: string, o: { tenant: string; cause?: string; fix?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const t = await resolveTenant(ctx, o.tenant);
        const r = await annotateIncident(ctx, { tenantId: t.id, incidentId, cause: o.cause, fix: o.fix });
        output(o, r, incidentLine);
      }),
    );
}
