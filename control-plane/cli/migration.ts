import fs from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { output, withCtx, type OutputOptions } from './runtime';
import {
  addMigrationAccounts,
  createMigrationProject,
  getMigrationAccountReport,
  getMigrationProject,
  listMigrationAccounts,
  listMigrationEvents,
  listMigrationProjects,
  resolveProjectRef,
  retryFailedAccounts,
  rollbackProject,
  scheduleCutover,
  startDeltaSchedule,
  startPrestage,
  stopDeltaSchedule,
  type AccountView,
  type ProjectView,
  type StartResult,
} from '../../migration-projects';
import type { CreateProjectInput } from '../../migration-projects/schemas';

/**
 * `postwerk migration …`: the same commands as the API, as the `cli` actor. Secrets (the admin password,
 * a token command) come from files or stdin, never from argv where `ps` and shell history would show
 * them. <tenant> is an id or slug, <project> an id or name.
 */

/** Longest secret accepted from a file; anything longer is the wrong file. */
const MAX_SECRET_FILE = 4096;
function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (text.length > MAX_SECRET_FILE) throw invalid(`${what} ${file} is too long for a secret`);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw invalid(`${what} ${file} is empty`);
  return line;
}
function readTextFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}
const number = (name: string) => (v: string) => {
  if (!/^\d+(\.\d+)?$/.test(v)) throw invalid(`${name} must be a number, not "${v}"`);
  return Number(v);
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

const projectLine = (p: ProjectView) =>
  `${p.name}\t${p.id}\t${p.status}\t${p.source.host}:${p.source.port}\t${p.accounts.total} accounts ${Object.entries(p.accounts.byStatus)
    .map(([s, n]) => `${s}=${n}`)
    .join(
      ' ',
    )}${p.cutoverAt ? `\tcut-over ${p.cutoverAt}` : ''}${p.deltaIntervalMinutes ? `\tdelta every ${p.deltaIntervalMinutes} min` : ''}`;
const accountLine = (a: AccountView) =>
  `${a.sourceUser} -> ${a.destinationAddress}\t${a.id}\t${a.status}${a.phase ? ` (${a.phase})` : ''}\tpasses ${a.passes}, copied ${a.copiedTotal}${
    a.progress.messagesTotal ? `, source ${a.progress.messagesTotal}` : ''
  }${a.missingMessages !== null ? `, missing ${a.missingMessages}` : ''}${a.lastError ? `\t${a.lastError}` : ''}`;
const startLines = (r: StartResult) => [
  `started: ${r.started.map((a) => a.sourceUser).join(', ') || 'none'}`,
  ...r.skipped.map((s) => `skipped ${s.sourceUser || s.id}: ${s.reason}`),
];

export function registerMigrationCommands(program: Command): void {
  const m = program.command('migration').description('mailbox migration projects (pre-stage, delta passes, cut-over)');

  m.command('create <tenant>')
    .description('create a project from an accounts CSV (source_user,destination_address[,source_password])')
    .requiredOption('--name <name>', 'project name, unique in the tenant')
    .requiredOption('--host <host>', 'source IMAP server')
    .requiredOption('--port <port>', 'source IMAP port', number('--port'))
    .requiredOption('--security <mode>', 'tls | starttls | plain')
    .option('--insecure', 'accept a self-signed certificate at the source')
    .requiredOption('--auth <method>', 'password (per account, from the CSV) | master | xoauth2')
    .option('--auth-user <user>', 'admin/master identity (--auth master)')
    .option('--master-style <style>', 'sasl (authorization identity) | separator (user*admin login)', 'sasl')
    .option('--separator <sep>', 'master user separator (--master-style separator)', '*')
    .option('--password-file <file>', "the admin identity's password (first line; - for stdin)")
    .option('--token-command-file <file>', 'XOAUTH2: a file holding the token command ({user} is replaced)')
    .requiredOption('--csv <file>', 'the accounts CSV')
    .option('--options-file <file>', 'engine options as JSON (include, exclude, folderMap, maxMessageBytes …)')
    .option('--catchup-window-hours <h>', 'catch-up passes after the switch, for this long', number('--catchup-window-hours'))
    .option('--catchup-interval-seconds <s>', 'time between catch-up passes', number('--catchup-interval-seconds'))
    .option('--json', 'JSON output')
    .action(
      (
        tenant: string,
        o: OutputOptions & {
          name: string;
          host: string;
          port: number;
          security: string;
          insecure?: boolean;
          auth: string;
          authUser?: string;
          masterStyle: string;
          separator: string;
          passwordFile?: string;
          tokenCommandFile?: string;
          csv: string;
          optionsFile?: string;
          catchupWindowHours?: number;
          catchupIntervalSeconds?: number;
        },
      ) =>
        withCtx(async (ctx) => {
          let auth: CreateProjectInput['auth'];
          if (o.auth === 'master') {
            if (!o.authUser || !o.passwordFile) throw invalid('--auth master needs --auth-user and --password-file');
            auth = {
              method: 'master',
              user: o.authUser,
              password: readSecretFile(o.passwordFile, '--password-file'),
              style: o.masterStyle as 'sasl',
              separator: o.separator,
            };
          } else if (o.auth === 'xoauth2') {
            if (!o.tokenCommandFile) throw invalid('--auth xoauth2 needs --token-command-file');
            auth = { method: 'xoauth2', tokenCommand: readSecretFile(o.tokenCommandFile, '--token-command-file') };
          } else auth = { method: o.auth as 'password' };
          const { tenantId } = await resolveProjectRef(ctx, tenant);
          const p = await createMigrationProject(ctx, tenantId, {
            name: o.name,
            source: { host: o.host, port: o.port, security: o.security as 'tls', insecure: !!o.insecure },
            auth,
            options: o.optionsFile
              ? (JSON.parse(readTextFile(o.optionsFile, '--options-file')) as CreateProjectInput['options'])
              : undefined,
            catchupWindowHours: o.catchupWindowHours,
            catchupIntervalSeconds: o.catchupIntervalSeconds,
            accountsCsv: readTextFile(o.csv, '--csv'),
          });
          output(o, p, () => [projectLine(p)]);
        }),
    );

  m.command('list <tenant>')
    .description("list a tenant's projects")
    .option('--limit <n>', 'page size', number('--limit'), 100)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action((tenant: string, o: OutputOptions & { limit: number; cursor?: string }) =>
      withCtx(async (ctx) => {
        const { tenantId } = await resolveProjectRef(ctx, tenant);
        const page = await listMigrationProjects(ctx, tenantId, { limit: o.limit, cursor: o.cursor });
        output(o, page, () => [...page.items.map(projectLine), ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : [])]);
      }),
    );

  m.command('show <tenant> <project>')
    .description('a project and the progress of each account')
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const p = await getMigrationProject(ctx, ref.tenantId, ref.projectId);
        const accounts = await listMigrationAccounts(ctx, ref.tenantId, ref.projectId, { limit: 500 });
        output(o, { project: p, accounts: accounts.items }, () => [projectLine(p), ...accounts.items.map((a) => `  ${accountLine(a)}`)]);
      }),
    );

  m.command('add-accounts <tenant> <project>')
    .description('add accounts from a CSV (all or nothing)')
    .requiredOption('--csv <file>', 'the accounts CSV')
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions & { csv: string }) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const added = await addMigrationAccounts(ctx, ref.tenantId, ref.projectId, readTextFile(o.csv, '--csv'));
        output(o, added, () => added.map(accountLine));
      }),
    );

  for (const [name, fn, what] of [
    ['prestage', startPrestage, 'start the pre-stage (a full pass) of pending accounts'],
    ['retry', retryFailedAccounts, 'run the full pass again for failed accounts'],
  ] as const) {
    m.command(`${name} <tenant> <project>`)
      .description(what)
      .option('--account <id>', 'only this account (repeatable)', collect)
      .option('--json', 'JSON output')
      .action((tenant: string, project: string, o: OutputOptions & { account?: string[] }) =>
        withCtx(async (ctx) => {
          const ref = await resolveProjectRef(ctx, tenant, project);
          const r = await fn(ctx, ref.tenantId, ref.projectId, o.account);
          output(o, r, () => startLines(r));
        }),
      );
  }

  const delta = m.command('delta').description('scheduled delta passes');
  delta
    .command('start <tenant> <project>')
    .description('run delta passes every N minutes until stopped or cut over')
    .requiredOption('--every <minutes>', 'interval in minutes', number('--every'))
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions & { every: number }) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const p = await startDeltaSchedule(ctx, ref.tenantId, ref.projectId, { intervalMinutes: o.every });
        output(o, p, () => [projectLine(p)]);
      }),
    );
  delta
    .command('stop <tenant> <project>')
    .description('stop delta passes')
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const p = await stopDeltaSchedule(ctx, ref.tenantId, ref.projectId);
        output(o, p, () => [projectLine(p)]);
      }),
    );

  m.command('cutover <tenant> <project>')
    .description('schedule the cut-over (or move a scheduled one): final delta, verification, switch')
    .requiredOption('--at <time>', 'ISO-8601 with a zone, e.g. 2026-12-01T22:00:00+01:00')
    .option('--catchup-window-hours <h>', 'catch-up passes after the switch, for this long', number('--catchup-window-hours'))
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions & { at: string; catchupWindowHours?: number }) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const p = await scheduleCutover(ctx, ref.tenantId, ref.projectId, { at: o.at, catchupWindowHours: o.catchupWindowHours });
        output(o, p, () => [projectLine(p)]);
      }),
    );

  m.command('rollback <tenant> <project>')
    .description('roll back before the switch: cancel the cut-over, stop deltas; inbound mail stays with the source')
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions & { reason?: string }) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const p = await rollbackProject(ctx, ref.tenantId, ref.projectId, { reason: o.reason });
        output(o, p, () => [projectLine(p)]);
      }),
    );

  m.command('report <tenant> <project> <account>')
    .description("an account's verification report and last pass report (JSON)")
    .action((tenant: string, project: string, account: string) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        output({ json: true }, await getMigrationAccountReport(ctx, ref.tenantId, ref.projectId, account), () => []);
      }),
    );

  m.command('events <tenant> <project>')
    .description('history of a project (or of one account)')
    .option('--account <id>', 'only this account')
    .option('--limit <n>', 'page size', number('--limit'), 200)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action((tenant: string, project: string, o: OutputOptions & { account?: string; limit: number; cursor?: string }) =>
      withCtx(async (ctx) => {
        const ref = await resolveProjectRef(ctx, tenant, project);
        const page = await listMigrationEvents(ctx, ref.tenantId, ref.projectId, {
          accountId: o.account,
          limit: o.limit,
          cursor: o.cursor,
        });
        output(o, page, () => [
          ...page.items.map((e) => `${e.at}\t${e.kind}\t${e.accountId ?? '-'}\t${e.message}`),
          ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
        ]);
      }),
    );
}
