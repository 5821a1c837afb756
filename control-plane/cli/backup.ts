import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { EXIT, invalid } from '../../platform/errors';
import { runBackup, type RunBackupInput } from '../../backup/use-cases/run-backup';
import { backupStatus } from '../../backup/use-cases/backup-status';
import { searchBackups, type BackupMessage } from '../../backup/use-cases/search-backups';
import { restoreBackup, type RestoreBackupInput, type RestoreResult } from '../../backup/use-cases/restore-backup';
import { getRetention, type TenantRetention } from '../../backup/use-cases/get-retention';
import { setRetention } from '../../backup/use-cases/set-retention';
import { runRetention } from '../../backup/use-cases/run-retention';
import { collectGarbage } from '../../backup/use-cases/collect-garbage';
import { runIntegrityCheck } from '../../backup/use-cases/run-integrity-check';
import type { PassProgress } from '../../backup/engine/pass';
import type { RestoreProgress } from '../../backup/engine/restore';
import { resolveAccount } from '../../tenancy/use-cases/list-accounts';
import { listTenants, resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { runRestoreDrill, type DrillReport } from '../../backup/use-cases/run-restore-drill';
import { intOption, output, withCtx, type OutputOptions } from './runtime';

/**
 * `postwerk backup run|status|drill|retention|gc|check` and `postwerk restore search|message|folder|account`,
 * as the `cli` actor.
 */

/** A progress bar on a terminal (messages done / planned); nothing when output is piped or --json. */
function progressBar(enabled: boolean, label: string) {
  if (!enabled) return { tick: (_n: number, _total?: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} |{bar}| {value}/{total} messages`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let total = 0;
  let value = 0;
  return {
    tick(n: number, more?: number) {
      if (more !== undefined) total += more;
      value += n;
      if (!started) {
        bar.start(Math.max(1, total), value);
        started = true;
      }
      bar.setTotal(Math.max(1, total, value));
      bar.update(value);
    },
    stop: () => started && bar.stop(),
  };
}

const tty = (o: OutputOptions) => !!process.stderr.isTTY && !o.json;

async function scope(ctx: Parameters<Parameters<typeof withCtx>[0]>[0], o: { tenant?: string; account?: string }) {
  if (o.account) {
    const a = await resolveAccount(ctx, o.account);
    if (o.tenant) {
      const t = await resolveTenant(ctx, o.tenant);
      if (t.id !== a.tenantId) throw invalid(`${o.account} is not an account of tenant ${o.tenant}`);
    }
    return { tenantIds: [a.tenantId], accountId: a.id };
  }
  if (!o.tenant) throw invalid('name --tenant or --account');
  return { tenantIds: [(await resolveTenant(ctx, o.tenant)).id], accountId: undefined };
}

const seconds = (s: number | null) => (s === null ? 'none' : `${s} s`);

const drillLines = (r: DrillReport) => [
  `drill ${r.id} of tenant ${r.tenantId}: ${r.status.toUpperCase()}, ${r.passed}/${r.sampled} sampled messages restored byte-identical; ` +
    `recovery time ${r.recoveryTimeMs === null ? 'none' : `${r.recoveryTimeMs} ms`}; ` +
    `recovery point max ${seconds(r.recoveryPoint.maxSeconds)}${r.recoveryPoint.neverBackedUp ? ` (${r.recoveryPoint.neverBackedUp} accounts never backed up)` : ''}`,
  ...r.recoveryPoint.accounts.map(
    (a) => `  ${a.address}\trecovery point ${seconds(a.recoveryPointSeconds)}\t${a.lastCompleteAt ?? 'never backed up'}`,
  ),
  ...r.failed.map((f) => `  FAILED message ${f.id} (${f.messageId ?? 'no Message-ID'}) in ${f.folder} uid ${f.uid}: ${f.reason}`),
  ...(r.error ? [`  ERROR ${r.error}`] : []),
];

const messageLine = (m: BackupMessage) =>
  `${m.id}\t${m.internalDate.slice(0, 16)}\t${m.folder}\t${m.from ?? ''}\t${m.subject ?? ''}${m.goneAt ? `\t(gone ${m.goneAt.slice(0, 16)})` : ''}`;

const retentionLine = (r: TenantRetention) =>
  `${r.tenantId}\tdeleted ${r.deletedDays} days\thistory ${r.historyDays} days\tself-service ${r.selfServiceDays} days${r.custom ? '' : '\t(defaults)'}`;

const restoreLines = (r: RestoreResult) => [
  `restore ${r.restoreId}: ${r.restored} restored, ${r.present} already there, ${r.failed.length} failed (of ${r.selected}, as of ${r.asOf})`,
  ...(r.foldersCreated.length ? [`folders created: ${r.foldersCreated.join(', ')}`] : []),
  ...r.failed.map((f) => `FAILED ${f.id} in ${f.folder}: ${f.reason}`),
];

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('incremental backups of mailboxes');
  backup
    .command('run')
    .description('run a backup pass now, in this process, of an account or of every account of a tenant')
    .option('--tenant <tenant>', 'tenant id or slug')
    .option('--account <account>', 'account address or id')
    .option('--json', 'JSON output')
    .action((o: { tenant?: string; account?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const s = await scope(ctx, o);
        const bar = progressBar(tty(o), 'backup');
        const onProgress = (_a: string, e: PassProgress) => {
          if (e.kind === 'messages') bar.tick(e.messages, e.messages);
        };
        const input: RunBackupInput = { tenantId: s.tenantIds[0]!, accountId: s.accountId, trigger: 'demand' };
        const result = await runBackup(ctx, input, onProgress).finally(() => bar.stop());
        output(o, result, (r: Awaited<ReturnType<typeof runBackup>>) =>
          r.accounts.map((a) =>
            a.stats
              ? `${a.address}\t${a.status}\t${a.stats.newMessages} new, ${a.stats.flagChanges} flag changes, ${a.stats.gone} gone, ${a.stats.bodiesStored} bodies stored (${a.stats.foldersChanged}/${a.stats.folders} folders changed)`
              : `${a.address}\t${a.status}\t${a.error ?? ''}`,
          ),
        );
        if (result.accounts.some((a) => a.status === 'failed')) process.exitCode = 1;
      }),
    );
  backup
    .command('status')
    .description('last pass and recovery point of each account')
    .option('--tenant <tenant>', 'tenant id or slug')
    .option('--account <account>', 'account address or id')
    .option('--json', 'JSON output')
    .action((o: { tenant?: string; account?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const s = await scope(ctx, o);
        const result = await backupStatus(ctx, { tenantId: s.tenantIds[0]!, accountId: s.accountId });
        output(o, result, (r: Awaited<ReturnType<typeof backupStatus>>) =>
          r.accounts.map(
            (a) =>
              `${a.address}\t${a.running ? 'running' : (a.lastPass?.status ?? 'never')}\trecovery point ${a.lastCompleteAt ?? 'none'}${a.lastPass?.error ? `\t${a.lastPass.error}` : ''}`,
          ),
        );
      }),
    );
  backup
    .command('drill')
    .description('run a restore drill now: a sample restored into the scratch mailbox and compared; recovery point and time')
    .option('--tenant <tenant>', 'tenant id or slug (default: every tenant)')
    .option('--json', 'JSON output')
    .action((o: { tenant?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantIds: string[] = [];
        if (o.tenant) tenantIds.push((await resolveTenant(ctx, o.tenant)).id);
        else {
          let cursor: string | undefined;
          do {
            const page = await listTenants(ctx, { limit: 200, cursor });
            tenantIds.push(...page.items.map((t) => t.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
        }
        const reports: DrillReport[] = [];
        for (const tenantId of tenantIds) reports.push(await runRestoreDrill(ctx, { tenantId }));
        output(o, reports, (rs: DrillReport[]) => rs.flatMap(drillLines));
        if (reports.some((r) => r.status === 'failed')) process.exitCode = 1;
      }),
    );

  backup
    .command('retention')
    .description("show a tenant's retention (every tenant's without --tenant), set it, or apply it now")
    .option('--tenant <tenant>', 'tenant id or slug')
    .option('--set-deleted-days <n>', 'days an expunged message or deleted folder stays restorable', intOption('--set-deleted-days'))
    .option('--set-history-days <n>', 'days superseded flag states are kept', intOption('--set-history-days'))
    .option('--set-self-service-days <n>', "days back an account's own user may restore (0: off)", intOption('--set-self-service-days'))
    .option('--apply', 'run retention and garbage collection now (as the daily job does)')
    .option('--json', 'JSON output')
    .action(
      (
        o: {
          tenant?: string;
          setDeletedDays?: number;
          setHistoryDays?: number;
          setSelfServiceDays?: number;
          apply?: boolean;
        } & OutputOptions,
      ) =>
        withCtx(async (ctx) => {
          const setting = o.setDeletedDays !== undefined || o.setHistoryDays !== undefined || o.setSelfServiceDays !== undefined;
          if ((setting || o.apply) && !o.tenant) throw invalid('--set-… and --apply need --tenant');
          if (!o.tenant) {
            const all: TenantRetention[] = [];
            let cursor: string | undefined;
            do {
              const page = await listTenants(ctx, { limit: 500, cursor });
              for (const t of page.items) all.push(await getRetention(ctx, { tenantId: t.id }));
              cursor = page.nextCursor ?? undefined;
            } while (cursor);
            output(o, all, (r: TenantRetention[]) => r.map(retentionLine));
            return;
          }
          const tenantId = (await resolveTenant(ctx, o.tenant)).id;
          const policy = setting
            ? await setRetention(ctx, {
                tenantId,
                deletedDays: o.setDeletedDays,
                historyDays: o.setHistoryDays,
                selfServiceDays: o.setSelfServiceDays,
              })
            : await getRetention(ctx, { tenantId });
          if (!o.apply) return output(o, policy, retentionLine);
          const run = await runRetention(ctx, { tenantId });
          output(o, { policy, run }, (r: { policy: TenantRetention; run: Awaited<ReturnType<typeof runRetention>> }) => [
            retentionLine(r.policy),
            `removed ${r.run.deletedRows} deleted and ${r.run.supersededRows} superseded index rows, ${r.run.folders} folders; ${r.run.garbage.deleted} of ${r.run.garbage.checked} bodies collected`,
          ]);
        }),
    );
  backup
    .command('gc')
    .description('delete the stored bodies no index row names any more (waits for no running pass: fails if one runs)')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--json', 'JSON output')
    .action((o: { tenant: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = (await resolveTenant(ctx, o.tenant)).id;
        const result = await collectGarbage(ctx, { tenantId });
        output(o, result, (r: Awaited<ReturnType<typeof collectGarbage>>) => `${r.deleted} of ${r.checked} bodies deleted`);
      }),
    );
  backup
    .command('check')
    .description('integrity check: read back and verify every indexed body (exit 1 when one is missing or corrupt)')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--json', 'JSON output')
    .action((o: { tenant: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = (await resolveTenant(ctx, o.tenant)).id;
        const result = await runIntegrityCheck(ctx, { tenantId });
        output(o, result, (r: Awaited<ReturnType<typeof runIntegrityCheck>>) => [
          `check ${r.id}: ${r.status}, ${r.checked} bodies (${r.bytes} bytes) read, ${r.missing} missing, ${r.corrupt} corrupt`,
          ...r.problems.map((p) => `${p.problem.toUpperCase()} ${p.hash}\t${p.why}`),
        ]);
        if (result.status !== 'passed') process.exitCode = EXIT.failed;
      }),
    );

  const restore = program.command('restore').description('find and restore backed-up messages');
  restore
    .command('search')
    .description('search the backups of a tenant')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--account <account>', 'account address or id')
    .option('--folder <folder>')
    .option('--text <text>', 'subject or sender contains')
    .option('--subject <text>')
    .option('--from <text>')
    .option('--message-id <id>')
    .option('--since <time>', 'internal date from (ISO 8601)')
    .option('--until <time>', 'internal date before (ISO 8601)')
    .option('--deleted-since <time>', 'only messages gone since (ISO 8601)')
    .option('--limit <n>', 'results', intOption('--limit'), 50)
    .option('--json', 'JSON output')
    .action((o: Record<string, string | number | undefined> & OutputOptions) =>
      withCtx(async (ctx) => {
        const s = await scope(ctx, { tenant: o.tenant as string, account: o.account as string | undefined });
        const result = await searchBackups(ctx, {
          tenantId: s.tenantIds[0]!,
          accountId: s.accountId,
          folder: o.folder as string | undefined,
          text: o.text as string | undefined,
          subject: o.subject as string | undefined,
          from: o.from as string | undefined,
          messageId: o.messageId as string | undefined,
          since: o.since as string | undefined,
          until: o.until as string | undefined,
          deletedSince: o.deletedSince as string | undefined,
          limit: o.limit as number,
        });
        output(o, result, (r: Awaited<ReturnType<typeof searchBackups>>) => r.items.map(messageLine));
      }),
    );

  const restoreCommand = (name: string) =>
    restore
      .command(name)
      .requiredOption('--account <account>', 'account address or id')
      .requiredOption('--reason <text>', 'why (recorded in the audit log)')
      .option('--as-of <time>', 'content as of this time (ISO 8601; default: the last backup)')
      .option('--into <folder>', 'restore into this folder instead of the original one(s)')
      .option('--json', 'JSON output');

  restoreCommand('message <ids...>')
    .description('restore messages by their search ids')
    .action((ids: string[], o: Record<string, string | undefined> & OutputOptions) =>
      runRestore(o, { scope: 'messages', messageIds: ids.map((i) => Number(i)) }),
    );
  restoreCommand('folder <folder>')
    .description('restore a folder as it was at --as-of')
    .action((folder: string, o: Record<string, string | undefined> & OutputOptions) => runRestore(o, { scope: 'folder', folder }));
  restoreCommand('account')
    .description('restore a whole account as it was at --as-of')
    .action((o: Record<string, string | undefined> & OutputOptions) => runRestore(o, { scope: 'account' }));
}

function runRestore(o: Record<string, string | undefined> & OutputOptions, what: Partial<RestoreBackupInput>): Promise<void> {
  return withCtx(async (ctx) => {
    const a = await resolveAccount(ctx, o.account!);
    const bar = progressBar(tty(o), 'restore');
    const onProgress = (e: RestoreProgress) => (e.kind === 'plan' ? bar.tick(0, e.messages) : bar.tick(e.messages));
    const result = await restoreBackup(
      ctx,
      { tenantId: a.tenantId, accountId: a.id, reason: o.reason!, asOf: o.asOf, targetFolder: o.into, ...what } as RestoreBackupInput,
      onProgress,
    ).finally(() => bar.stop());
    output(o, result, restoreLines);
    if (result.failed.length) process.exitCode = 1;
  });
}
