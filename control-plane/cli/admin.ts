import fs from 'node:fs';
import type { Command } from 'commander';
import { ROLES, type Role } from '../../platform/actor';
import { invalid } from '../../platform/errors';
import { platformHealth } from '../../platform/health';
import { AUDIT_CSV_COLUMNS, auditCsvLine, auditNdjsonLine, iterateAudit, verifyAudit } from '../../tenancy/use-cases/audit-log';
import { createApiToken } from '../../tenancy/use-cases/create-api-token';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { findStaffUser } from '../../tenancy/use-cases/find-staff-user';
import { resetSecondFactor } from '../../tenancy/use-cases/reset-second-factor';
import { TOKEN_DEFAULT_EXPIRY_DAYS } from '../../tenancy/limits';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { intOption, output, readPassword, withCtx, type OutputOptions } from './runtime';

const role = (v: string): Role => {
  if (!(ROLES as readonly string[]).includes(v)) throw invalid(`--role must be one of ${ROLES.join(', ')}, not "${v}"`);
  return v as Role;
};
const isoTime = (name: string) => (v: string) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`${name} must be a date or time (ISO 8601), not "${v}"`);
  return new Date(t).toISOString();
};

/** `postwerk status`, `postwerk staff create|reset-second-factor`, `postwerk token create`, `postwerk audit verify|export` */
export function registerAdminCommands(program: Command): void {
  program
    .command('status')
    .description("every server Postwerk depends on, with its latency, and each queue's jobs (what /readyz checks); exit 1 when one is down")
    .option('--json', 'JSON output')
    .action((o: OutputOptions) =>
      withCtx(async (ctx) => {
        const h = await platformHealth(ctx, { failedLimit: 0 });
        output(o, h, (r: typeof h) => [
          ...r.checks.map(
            (c) => `${c.name.padEnd(10)} ${c.ok ? 'ok  ' : 'DOWN'} ${String(c.ms).padStart(5)} ms${c.error ? `  ${c.error}` : ''}`,
          ),
          ...r.queues.map(
            (q) =>
              `queue ${q.queue.padEnd(14)} ${q.error ? `unknown: ${q.error}` : `waiting ${q.counts.waiting}, active ${q.counts.active}, delayed ${q.counts.delayed}, failed ${q.counts.failed}`}`,
          ),
        ]);
        if (!h.ok) process.exitCode = 1;
      }),
    );

  const staff = program.command('staff').description('staff users of the platform and of tenants (portal sign-in)');
  staff
    .command('create')
    .description('create a staff user; the password comes from --password-file, stdin or a prompt')
    .requiredOption('--email <email>', 'sign-in address')
    .requiredOption('--role <role>', ROLES.join(' | '), role)
    .option('--tenant <tenant>', 'tenant id or slug (tenant_admin only)')
    .option('--name <name>', 'full name')
    .option('--password-file <file>', "file whose first line is the password ('-' for stdin)")
    .option('--json', 'JSON output')
    .action((o: { email: string; role: Role; tenant?: string; name?: string; passwordFile?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : null;
        const password = await readPassword(o);
        const s = await createStaffUser(ctx, { email: o.email, role: o.role, tenantId, name: o.name, password });
        output(o, s, () => `${s.email}\t${s.id}\t${s.role}${s.tenantId ? `\ttenant ${s.tenantId}` : ''}`);
      }),
    );
  staff
    .command('reset-second-factor')
    .description("remove a staff user's second factor (lost app and recovery codes); their sessions end, they enrol again")
    .argument('<email>', 'sign-in address')
    .option('--json', 'JSON output')
    .action((email: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const s = await resetSecondFactor(ctx, (await findStaffUser(ctx, email)).id);
        output(o, s, () => `${s.email}\t${s.id}\tsecond factor ${s.secondFactor ? 'still enrolled' : 'removed'}`);
      }),
    );

  program
    .command('token')
    .description('API tokens for automation')
    .command('create')
    .description('create an API token; the secret is printed once')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--role <role>', ROLES.join(' | '), role)
    .option('--tenant <tenant>', 'tenant id or slug (tenant_admin only)')
    .option('--expires-in-days <n|never>', `days until it stops working (default ${TOKEN_DEFAULT_EXPIRY_DAYS}), or never`, (v: string) =>
      v === 'never' ? ('never' as const) : intOption('--expires-in-days')(v),
    )
    .option('--json', 'JSON output')
    .action((o: { name: string; role: Role; tenant?: string; expiresInDays?: number | 'never' } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : null;
        const r = await createApiToken(ctx, { name: o.name, role: o.role, tenantId, expiresInDays: o.expiresInDays });
        output(o, r, () => [
          `token ${r.token.id} (${r.token.role}${r.token.tenantId ? `, tenant ${r.token.tenantId}` : ''}, expires ${r.token.expiresAt ?? 'never'})`,
          r.secret,
          '(the secret is shown only now)',
        ]);
      }),
    );

  const audit = program.command('audit').description('the audit log: keyed hash chains, one per tenant and one for the platform');
  audit
    .command('verify')
    .description('verify every chain and the heads file; exit code 1 when an entry was edited, removed or re-chained')
    .option('--json', 'JSON output')
    .action((o: OutputOptions) =>
      withCtx(async (ctx) => {
        const v = await verifyAudit(ctx);
        output(o, v, () =>
          v.ok
            ? `audit log intact: ${v.checked} entries`
            : [`audit log BROKEN (${v.checked} entries checked):`, ...v.problems.map((p) => `  entry ${p.id}: ${p.problem}`)],
        );
        if (!v.ok) process.exitCode = 1;
      }),
    );
  audit
    .command('export')
    .description('export audit entries as NDJSON (default) or CSV')
    .option('--format <format>', 'ndjson | csv', 'ndjson')
    .option('--tenant <tenant>', 'tenant id or slug')
    .option('--actor <actor>', 'actor as recorded (e-mail, token:name, cli:user)')
    .option('--action <action>', 'action, or a prefix ending in a dot (account.)')
    .option('--from <time>', 'from this time (inclusive)', isoTime('--from'))
    .option('--to <time>', 'until this time (exclusive)', isoTime('--to'))
    .option('--output <file>', 'write to a file instead of stdout')
    .action((o: { format: string; tenant?: string; actor?: string; action?: string; from?: string; to?: string; output?: string }) =>
      withCtx(async (ctx) => {
        if (o.format !== 'ndjson' && o.format !== 'csv') throw invalid('--format must be ndjson or csv');
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : undefined;
        const out: NodeJS.WritableStream = o.output ? fs.createWriteStream(o.output, { mode: 0o600 }) : process.stdout;
        const line = o.format === 'csv' ? auditCsvLine : auditNdjsonLine;
        if (o.format === 'csv') out.write(AUDIT_CSV_COLUMNS.join(',') + '\r\n');
        for await (const r of iterateAudit(ctx, { tenantId, actor: o.actor, action: o.action, from: o.from, to: o.to })) {
          if (!out.write(line(r))) await new Promise((resolve) => out.once('drain', resolve));
        }
        if (o.output) {
          const file = out as fs.WriteStream;
          await new Promise<void>((resolve, reject) => {
            file.once('error', reject);
            file.end(() => resolve());
          });
        }
      }),
    );
}
