// `postwerk migrate`: the standalone migration CLI (any two IMAP servers). Registers itself on
// the caller's commander program; the engine does the work (runMigrationPass, verifyMailbox).
// Exit status (platform/errors.ts EXIT): 0 only when verification finds everything; 3 when nothing is
// missing but messages were skipped by policy; 4 when nothing is missing but the destination altered
// messages (re-encoded NUL bytes); 1 otherwise; 2 for bad input.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import pLimit from 'p-limit';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { EXIT, exitCodeFor } from '../../platform/errors';
import { MigratorError, errorMessage } from '../errors';
import { runMigrationPass, verifyMailbox } from '../engine/pass';
import { type EndpointInput, type MigrationOptionsInput, parseEndpoint, parseImapUrl, parseOptions } from '../options';
import { type MigrationReport, buildReport, summarize } from '../report';
import { openSqliteStateStore } from '../state/sqlite';
import type { MigrationStateStore } from '../state/store';
import { readBatchCsv } from './batch';
import { createProgress } from './progress';

// exit statuses come from the one map of every CLI command (platform/errors.ts)
export const EXIT_VERIFIED = EXIT.ok;
export const EXIT_NOT_VERIFIED = EXIT.failed;
export const EXIT_BAD_INPUT = EXIT.badInput;

interface CliOpts {
  from?: string;
  fromPasswordFile?: string;
  fromPasswordEnv?: string;
  fromTokenCommand?: string;
  fromAuthuser?: string;
  fromMasterSeparator?: string;
  to?: string;
  toPasswordFile?: string;
  toPasswordEnv?: string;
  toTokenCommand?: string;
  toAuthuser?: string;
  toMasterSeparator?: string;
  state: string;
  report?: string;
  delta?: boolean;
  dryRun?: boolean;
  exclude: string[];
  include: string[];
  folderMap: string[];
  insecure?: boolean;
  batch?: string;
  retryFailed?: string;
  maxMessageSize?: number;
  propagateDeletions?: boolean;
  parallelFolders?: number;
  parallelAccounts: number;
  maxConnections?: number;
  bytesPerSecond?: number;
  verifyOnly?: boolean;
  migrationId?: string;
  progress?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const positiveInt =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    // commander's own error type: either runner (ours, or the postwerk binary) turns it into exit 2
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name}: expected a positive integer, got "${v}"`);
    return n;
  };

function readSecret(side: 'from' | 'to', file: string | undefined, envName: string | undefined): string | undefined {
  if (file && envName)
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `--${side}-password-file and --${side}-password-env are exclusive`);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new MigratorError('MIGRATOR_INVALID_INPUT', `--${side}-password-file: cannot read ${file}`);
    }
    const pw = text.replace(/\r?\n$/, '');
    if (!pw) throw new MigratorError('MIGRATOR_INVALID_INPUT', `--${side}-password-file: ${file} is empty`);
    return pw;
  }
  if (envName) {
    const pw = process.env[envName];
    if (!pw) throw new MigratorError('MIGRATOR_INVALID_INPUT', `--${side}-password-env: environment variable ${envName} is not set`);
    return pw;
  }
  return undefined;
}

function endpointFor(side: 'from' | 'to', o: CliOpts, userOverride?: string, passwordFile?: string): EndpointInput {
  const url = side === 'from' ? o.from : o.to;
  if (!url) throw new MigratorError('MIGRATOR_INVALID_INPUT', `--${side} is required (imap[s]://USER@HOST:PORT)`);
  const u = parseImapUrl(
    userOverride && !url.includes('@') ? url.replace('://', `://${encodeURIComponent(userOverride)}@`) : url,
    `--${side}`,
  );
  const authUser = side === 'from' ? o.fromAuthuser : o.toAuthuser;
  const sep = side === 'from' ? o.fromMasterSeparator : o.toMasterSeparator;
  const token = side === 'from' ? o.fromTokenCommand : o.toTokenCommand;
  const password = passwordFile
    ? readSecret(side, passwordFile, undefined)
    : readSecret(side, side === 'from' ? o.fromPasswordFile : o.toPasswordFile, side === 'from' ? o.fromPasswordEnv : o.toPasswordEnv);
  if (!password && !token)
    throw new MigratorError(
      'MIGRATOR_INVALID_INPUT',
      `no credentials for --${side}: give --${side}-password-file, --${side}-password-env or --${side}-token-command`,
    );
  const ep: EndpointInput = {
    ...u,
    user: userOverride ?? u.user,
    password,
    tokenCommand: token,
    insecure: !!o.insecure,
    ...(authUser ? { authUser, masterStyle: sep ? 'separator' : 'sasl', masterSeparator: sep ?? '*' } : {}),
  };
  parseEndpoint(ep, `--${side}`);
  return ep;
}

function optionsFor(o: CliOpts): MigrationOptionsInput {
  const folderMap: Record<string, string> = {};
  for (const m of o.folderMap) {
    const i = m.indexOf('=');
    if (i <= 0 || i === m.length - 1)
      throw new MigratorError('MIGRATOR_INVALID_INPUT', `--folder-map: expected SOURCE=DESTINATION, got "${m}"`);
    folderMap[m.slice(0, i)] = m.slice(i + 1);
  }
  const opts: MigrationOptionsInput = {
    include: o.include,
    exclude: o.exclude,
    folderMap,
    dryRun: !!o.dryRun,
    propagateDeletions: !!o.propagateDeletions,
    ...(o.maxMessageSize ? { maxMessageBytes: o.maxMessageSize } : {}),
    ...(o.parallelFolders ? { parallelFolders: o.parallelFolders } : {}),
    ...(o.maxConnections ? { maxConnectionsPerHost: o.maxConnections } : {}),
    ...(o.bytesPerSecond ? { bytesPerSecond: o.bytesPerSecond } : {}),
  };
  parseOptions(opts);
  return opts;
}

const retrySchema = z.object({
  account: z.object({ source: z.string() }).optional(),
  retry: z.record(z.string(), z.array(z.number().int().positive())),
});

/**
 * The retry lists of a report: source account ("user@host:port") → folder → UIDs. A single-account
 * report's list applies to whichever account is run (key "*").
 */
export function readRetryLists(file: string): Map<string, Record<string, number[]>> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `--retry-failed: cannot read report ${file}: ${errorMessage(err)}`);
  }
  const batch = Array.isArray((json as { accounts?: unknown }).accounts);
  const reports = batch ? (json as { accounts: unknown[] }).accounts : [json];
  const out = new Map<string, Record<string, number[]>>();
  for (const r of reports) {
    const p = retrySchema.safeParse(r);
    if (!p.success)
      throw new MigratorError('MIGRATOR_INVALID_INPUT', `--retry-failed: ${file} is not a migration report (no "retry" list)`);
    out.set(batch ? (p.data.account?.source ?? '') : '*', p.data.retry);
  }
  return out;
}

/** Options of one account: the retry list of that account when retrying. */
function accountOptions(
  options: MigrationOptionsInput,
  retry: Map<string, Record<string, number[]>> | undefined,
  source: EndpointInput,
): MigrationOptionsInput {
  if (!retry) return options;
  const key = `${source.user}@${source.host}:${source.port}`;
  return { ...options, onlyUids: retry.get('*') ?? retry.get(key) ?? {} };
}

async function migrateAccount(
  o: CliOpts,
  log: Logger,
  store: MigrationStateStore,
  source: EndpointInput,
  destination: EndpointInput,
  options: MigrationOptionsInput,
  signal: AbortSignal,
  out: (line: string) => void,
  tty: boolean,
): Promise<MigrationReport> {
  const migrationId =
    o.migrationId ??
    `cli-${createHash('sha256').update(`${source.user}@${source.host}:${source.port}>${destination.user}@${destination.host}:${destination.port}`).digest('hex').slice(0, 16)}`;
  const ctx = { logger: log, migrationId };
  const progress = createProgress(source.user, tty, out);
  try {
    let pass;
    if (!o.verifyOnly) {
      pass = await runMigrationPass(ctx, {
        source,
        destination,
        options,
        store,
        mode: o.delta ? 'delta' : 'full',
        onProgress: (e) => progress.onEvent(e),
        signal,
      });
    }
    const verification = o.dryRun
      ? undefined
      : await verifyMailbox(ctx, {
          source,
          destination,
          options: { ...options, onlyUids: undefined },
          store,
          onProgress: (e) => progress.onEvent(e),
          signal,
        });
    return buildReport(migrationId, pass, verification);
  } finally {
    progress.stop();
  }
}

export function registerMigrateCommand(program: Command): Command {
  return program
    .command('migrate')
    .description('Copy mailboxes from any IMAP server to another, verify every message by SHA-256')
    .option('--from <url>', 'source imap[s]://USER@HOST:PORT (imap+starttls:// for STARTTLS)')
    .option('--from-password-file <file>', 'file holding the source password (of --from-authuser when given)')
    .option('--from-password-env <name>', 'environment variable holding the source password')
    .option('--from-token-command <cmd>', 'command printing an XOAUTH2 access token for the source (re-run during long runs)')
    .option('--from-authuser <admin>', 'admin/master user authenticating for the source user (SASL PLAIN authzid)')
    .option('--from-master-separator <sep>', 'log in as USER<sep>ADMIN instead of SASL authzid (Dovecot master users: "*")')
    .option('--to <url>', 'destination imap[s]://USER@HOST:PORT')
    .option('--to-password-file <file>', 'file holding the destination password')
    .option('--to-password-env <name>', 'environment variable holding the destination password')
    .option('--to-token-command <cmd>', 'command printing an XOAUTH2 access token for the destination')
    .option('--to-authuser <admin>', 'admin/master user authenticating for the destination user')
    .option('--to-master-separator <sep>', 'log in as USER<sep>ADMIN on the destination')
    .option('--state <file>', 'state file (SQLite) that makes reruns copy nothing twice', 'postwerk-migrate.sqlite')
    .option('--report <file>', 'write the JSON report here')
    .option('--delta', 'delta pass: new messages and flag changes since the last pass')
    .option('--dry-run', 'plan and pre-flight only; write nothing')
    .option('--exclude <pattern>', 'skip source folders matching (repeatable; * any, % one level, ? one char)', collect, [])
    .option('--include <pattern>', 'only source folders matching (repeatable)', collect, [])
    .option('--folder-map <A=B>', 'put source folder A into destination folder B ("/" between levels; repeatable)', collect, [])
    .option('--insecure', 'accept self-signed/unknown TLS certificates')
    .option(
      '--batch <accounts.csv>',
      'many accounts: CSV with source_user,destination_user[,source_password_file,destination_password_file]',
    )
    .option('--retry-failed <report.json>', 'copy only the messages a previous report lists as failed or missing')
    .addOption(new Option('--max-message-size <bytes>', 'skip (and report) larger messages').argParser(positiveInt('--max-message-size')))
    .option('--propagate-deletions', 'delete on the destination what was deleted at the source since the last pass')
    .addOption(new Option('--parallel-folders <n>', 'folders copied in parallel per account').argParser(positiveInt('--parallel-folders')))
    .addOption(
      new Option('--parallel-accounts <n>', 'accounts migrated in parallel (--batch)')
        .argParser(positiveInt('--parallel-accounts'))
        .default(2),
    )
    .addOption(new Option('--max-connections <n>', 'connections per source host').argParser(positiveInt('--max-connections')))
    .addOption(new Option('--bytes-per-second <n>', 'cap on bytes read from the source').argParser(positiveInt('--bytes-per-second')))
    .option('--verify-only', 'only verify (no copy)')
    .option('--migration-id <id>', 'id grouping the state of this migration')
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (o: CliOpts) => {
      process.exitCode = await runMigrateCli(o);
    });
}

/** The exit status of finished accounts' reports (a missing one counts as failed). */
export function exitStatusOf(reports: ReadonlyArray<MigrationReport | undefined>): number {
  const outcomes = reports.map((r) =>
    r?.verified ? 'verified' : r?.pass?.failedFolders.length ? 'errors' : (r?.verification?.outcome ?? 'errors'),
  );
  if (outcomes.every((x) => x === 'verified')) return EXIT_VERIFIED;
  // nothing lost, but messages skipped by policy stayed behind: a different status, never 0
  if (outcomes.every((x) => x === 'verified' || x === 'verified-except-skipped')) return EXIT.verifiedExceptSkipped;
  // nothing missing, but the destination stores some messages with other bytes (listed in the report)
  if (outcomes.every((x) => x === 'verified' || x === 'verified-except-skipped' || x === 'altered')) return EXIT.altered;
  return EXIT_NOT_VERIFIED;
}

/** The command's body, callable without commander (tests). Returns the exit status. */
export async function runMigrateCli(o: CliOpts, io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const tty = !!process.stderr.isTTY && o.progress !== false;
  const log = pino(
    {
      level: process.env.POSTWERK_LOG_LEVEL ?? (tty ? 'warn' : 'info'),
      redact: ['*.password', '*.accessToken', 'password', 'accessToken'],
    },
    pino.destination(2),
  );
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let closeStore: (() => Promise<void>) | undefined;
  try {
    const options = optionsFor(o);
    const retry = o.retryFailed ? readRetryLists(o.retryFailed) : undefined;
    const jobs: Array<{ source: EndpointInput; destination: EndpointInput }> = [];
    if (o.batch) {
      for (const row of readBatchCsv(o.batch)) {
        jobs.push({
          source: endpointFor('from', { ...o, from: o.from?.replace(/:\/\/[^@/]*@/, '://') }, row.source_user, row.source_password_file),
          destination: endpointFor(
            'to',
            { ...o, to: o.to?.replace(/:\/\/[^@/]*@/, '://') },
            row.destination_user,
            row.destination_password_file,
          ),
        });
      }
    } else {
      jobs.push({ source: endpointFor('from', o), destination: endpointFor('to', o) });
    }
    const st = await openSqliteStateStore(o.state);
    closeStore = st.close;
    const reports: MigrationReport[] = new Array(jobs.length);
    const accounts = pLimit(o.parallelAccounts ?? 2);
    const migrateOne = async (i: number): Promise<void> => {
      if (ac.signal.aborted) return;
      const j = jobs[i];
      try {
        reports[i] = await migrateAccount(
          o,
          log,
          st.store,
          j.source,
          j.destination,
          accountOptions(options, retry, j.source),
          ac.signal,
          out,
          tty && jobs.length === 1,
        );
      } catch (e) {
        if (e instanceof MigratorError && e.code === 'MIGRATOR_INVALID_INPUT') throw e;
        err(`${j.source.user}: ${errorMessage(e)}`);
        const failed = buildReport(o.migrationId ?? 'cli', undefined, undefined);
        failed.account = {
          source: `${j.source.user}@${j.source.host}:${j.source.port}`,
          destination: `${j.destination.user}@${j.destination.host}:${j.destination.port}`,
        };
        (failed as MigrationReport & { error?: string }).error = errorMessage(e);
        reports[i] = failed;
      }
    };
    await Promise.all(jobs.map((_, i) => accounts(() => migrateOne(i))));
    if (o.report) writeFileSync(o.report, JSON.stringify(jobs.length === 1 ? reports[0] : { accounts: reports }, null, 2));
    for (const r of reports)
      if (r) out(summarize(r) + ((r as { error?: string }).error ? `\n  error: ${(r as { error?: string }).error}` : ''));
    const ok = reports.every((r) => r?.verified) || (!!o.dryRun && reports.every((r) => r && !(r as { error?: string }).error));
    if (jobs.length > 1) out(`${reports.filter((r) => r?.verified).length}/${jobs.length} accounts verified`);
    if (ok) return EXIT_VERIFIED;
    return exitStatusOf(reports);
  } catch (e) {
    err(`postwerk migrate: ${errorMessage(e)}`);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeStore?.();
  }
}
