import fs from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { exportAccount, type ExportPlan } from '../../backup/use-cases/export-account';
import { exportTenant } from '../../backup/use-cases/export-tenant';
import type { ExportEvent } from '../../backup/export/writer';
import { resolveAccount } from '../../tenancy/use-cases/list-accounts';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { output, withCtx, type OutputOptions } from './runtime';

/**
 * `postwerk export account|tenant … --format mbox|maildir`: the export use cases (backup/) as the `cli`
 * actor. The archive goes to --output (default: the name the API would give it) or to stdout with `-`;
 * a progress bar goes to stderr on a terminal.
 */
interface ExportOptions extends OutputOptions {
  format: string;
  from: string;
  at?: string;
  output?: string;
  progress: boolean;
}

function progressOf(enabled: boolean): { onEvent(e: ExportEvent): void; stop(): void } {
  if (!enabled) return { onEvent: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'export {account} |{bar}| {value}/{total} messages {mb} MB', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let done = 0;
  let bytes = 0;
  let started = false;
  return {
    onEvent(e) {
      if (e.kind === 'account') {
        total += e.messages;
        if (!started) bar.start(Math.max(total, 1), done, { account: e.address, mb: '0.0' });
        else bar.setTotal(Math.max(total, done));
        started = true;
        bar.update(done, { account: e.address });
      } else if (e.kind === 'message') {
        done++;
        bytes += e.bytes;
        if (done > total) bar.setTotal(done);
        bar.update(done, { mb: (bytes / 1048576).toFixed(1) });
      }
    },
    stop: () => started && bar.stop(),
  };
}

async function run(plan: ExportPlan, o: ExportOptions): Promise<void> {
  const target = o.output ?? plan.filename;
  if (target === '-' && process.stdout.isTTY) throw invalid('refusing to write a tar archive to a terminal: use --output FILE');
  const out = target === '-' ? process.stdout : fs.createWriteStream(target, { flags: 'wx' });
  const progress = progressOf(o.progress && !!process.stderr.isTTY);
  try {
    const result = await plan.run(out, { onEvent: (e) => progress.onEvent(e) });
    progress.stop();
    const messages = result.accounts.reduce((n, a) => n + a.messages, 0);
    const bytes = result.accounts.reduce((n, a) => n + a.bytes, 0);
    const summary = {
      output: target,
      format: result.format,
      from: result.from,
      at: result.at,
      accounts: result.accounts.length,
      messages,
      bytes,
    };
    // with the archive on stdout, the summary goes to stderr
    if (target === '-') process.stderr.write(JSON.stringify(summary) + '\n');
    else
      output(
        o,
        summary,
        (s: typeof summary) =>
          `${s.output}: ${s.accounts} account(s), ${s.messages} messages, ${(s.bytes / 1048576).toFixed(1)} MB (${s.format}, ${s.from} as of ${s.at})`,
      );
  } catch (e) {
    progress.stop();
    if (target !== '-') await fs.promises.rm(target, { force: true });
    throw e;
  }
}

const checkFormat = (o: ExportOptions) => {
  if (o.format !== 'mbox' && o.format !== 'maildir') throw invalid(`--format must be mbox or maildir, not "${o.format}"`);
  if (o.from !== 'live' && o.from !== 'backup') throw invalid(`--from must be live or backup, not "${o.from}"`);
  return { format: o.format, from: o.from, ...(o.at ? { at: o.at } : {}) } as const;
};

export function registerExportCommands(program: Command): void {
  const exp = program.command('export').description('export mail for reversibility: mbox files or Maildir trees in a tar');
  const common = (c: Command) =>
    c
      .requiredOption('--format <format>', 'mbox (mboxrd, one file per folder) or maildir (Maildir tree, Dovecot LAYOUT=fs)')
      .option('--from <source>', 'live (the mailbox now) or backup (the backup as of --at)', 'live')
      .option('--at <time>', 'ISO 8601 time the backup export shows (default: now)')
      .option('--output <file>', 'archive file (default: <name>-<format>.tar here; - for stdout)')
      .option('--no-progress', 'no progress bar')
      .option('--json', 'JSON summary');
  common(exp.command('account <account>').description('one account (address or id)')).action((a: string, o: ExportOptions) =>
    withCtx(async (ctx) => {
      const account = await resolveAccount(ctx, a);
      await run(await exportAccount(ctx, { tenantId: account.tenantId, accountId: account.id, ...checkFormat(o) }), o);
    }),
  );
  common(exp.command('tenant <tenant>').description('every account of a tenant (id or slug)')).action((t: string, o: ExportOptions) =>
    withCtx(async (ctx) => {
      const tenant = await resolveTenant(ctx, t);
      await run(await exportTenant(ctx, { tenantId: tenant.id, ...checkFormat(o) }), o);
    }),
  );
}
