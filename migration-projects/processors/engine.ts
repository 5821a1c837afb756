import type { Logger } from '../../platform/logger';
import type { Services } from '../../platform/context';
import { masterLogin } from '../../platform/mail/imap';
import { createSecretBox } from '../../platform/secrets';
import { nowIso } from '../../platform/db';
import { isAppError } from '../../platform/errors';
import {
  buildReport,
  isMigratorError,
  KnexStateStore,
  MigratorError,
  runMigrationPass,
  verifyMailbox,
  type EndpointInput,
  type PassMode,
  type PassResult,
  type ProgressEvent,
  type SourceSnapshot,
  type VerificationReport,
} from '../../migrator';
import { PROGRESS_EVENT_MS, PROGRESS_FLUSH_MS } from '../limits';
import { DEFAULT_LEASE, keepLease, type LeaseTiming } from './lease';
import {
  addEvent,
  recordPass,
  renewLease,
  updateAccount,
  writeProgress,
  type MigrationAccountRow,
  type ProjectRow,
} from '../repositories/migration-projects';

/**
 * The adapter between migration projects and the engine (migrator/): builds both endpoints from a
 * project and an account, runs a pass or a verification, throttles the engine's progress events into
 * counters and history, and records results. Processors call these; they never talk IMAP themselves.
 */
export interface MigrationHooks {
  /** Runs between the final delta and the verification of a cut-over (tests change either side here). */
  beforeVerify?(account: MigrationAccountRow): Promise<void>;
}

export interface MigrationDeps {
  services: Services;
  hooks?: MigrationHooks;
  /** The account lease's timing; DEFAULT_LEASE unless a test shortens it. */
  lease?: LeaseTiming;
}

export const leaseTiming = (deps: MigrationDeps): LeaseTiming => deps.lease ?? DEFAULT_LEASE;

export const projectSecretContext = (projectId: string) => `migration_projects:${projectId}`;
export const accountSecretContext = (accountId: string) => `migration_accounts:${accountId}`;

/** `'…'` quoting for the one value put into a token command. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function sourceEndpoint(services: Services, project: ProjectRow, account: MigrationAccountRow): EndpointInput {
  const box = createSecretBox(services.config.secretKey);
  const base = {
    host: project.source_host,
    port: project.source_port,
    security: project.source_security,
    insecure: project.source_insecure === 1,
    user: account.source_user,
  };
  const creds = project.credentials_sealed
    ? (JSON.parse(box.open(project.credentials_sealed, projectSecretContext(project.id))) as { password?: string; tokenCommand?: string })
    : {};
  switch (project.auth_method) {
    case 'password':
      if (!account.source_password_sealed)
        throw new MigratorError('MIGRATOR_INVALID_INPUT', `account ${account.source_user} has no source password`);
      return { ...base, password: box.open(account.source_password_sealed, accountSecretContext(account.id)) };
    case 'master':
      return {
        ...base,
        authUser: project.auth_user ?? undefined,
        password: creds.password,
        masterStyle: project.master_style ?? 'sasl',
        masterSeparator: project.master_separator ?? '*',
      };
    case 'xoauth2':
      return { ...base, tokenCommand: (creds.tokenCommand ?? '').replaceAll('{user}', shellQuote(account.source_user)) };
  }
}

/** The platform's own Dovecot, through the master user: no account password needed. */
export function destinationEndpoint(services: Services, account: MigrationAccountRow): EndpointInput {
  const d = services.config.dovecot;
  const login = masterLogin(d, account.destination_address);
  return { host: d.imapHost, port: d.imapPort, security: d.imapTls ? 'tls' : 'plain', user: login.user, password: login.password };
}

/** Collects progress events and writes them at most every PROGRESS_FLUSH_MS (and a history row every PROGRESS_EVENT_MS). */
class ProgressRecorder {
  private total: number | undefined;
  private messages = 0;
  private bytes = 0;
  private lastFlush = 0;
  private lastEvent = Date.now();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Services,
    private readonly account: MigrationAccountRow,
    private readonly owner: string,
    private readonly log: Logger,
    private readonly leaseMs: number,
  ) {}

  onProgress = (e: ProgressEvent): void => {
    if (e.phase !== 'copy') return;
    if (e.kind === 'plan') this.total = e.messages;
    else if (e.kind === 'messages') {
      this.messages += e.messages;
      this.bytes += e.bytes;
    } else return;
    if (Date.now() - this.lastFlush >= PROGRESS_FLUSH_MS) this.flush();
  };

  private flush(): void {
    this.lastFlush = Date.now();
    const snapshot = { messagesTotal: this.total, messagesDone: this.messages, bytesDone: this.bytes };
    const withEvent = Date.now() - this.lastEvent >= PROGRESS_EVENT_MS;
    if (withEvent) this.lastEvent = Date.now();
    const db = this.services.db;
    this.chain = this.chain
      .then(async () => {
        await writeProgress(db, this.account.id, this.owner, snapshot, this.leaseMs);
        if (withEvent)
          await addEvent(db, {
            projectId: this.account.project_id,
            accountId: this.account.id,
            kind: 'progress',
            message: `${snapshot.messagesDone} messages copied${snapshot.messagesTotal ? ` of ${snapshot.messagesTotal} at the source` : ''}`,
            data: snapshot,
          });
      })
      .catch((err: Error) => this.log.warn({ err: err.message }, 'progress not recorded'));
  }

  async finish(): Promise<void> {
    this.flush();
    await this.chain;
  }
}

/**
 * One engine pass over one account, recorded: counters, the report (JSON) and history rows. The caller
 * holds the account's lease (`owner`). Engine errors are recorded as the account's last error and thrown.
 */
export async function runAccountPass(
  deps: MigrationDeps,
  project: ProjectRow,
  account: MigrationAccountRow,
  mode: PassMode,
  owner: string,
): Promise<PassResult> {
  const { services } = deps;
  const log = services.logger.child({ migrationId: project.id, tenantId: project.tenant_id, accountId: account.account_id, jobId: owner });
  const lease = leaseTiming(deps);
  const recorder = new ProgressRecorder(services, account, owner, log, lease.durationMs);
  const stopLease = keepLease(() => renewLease(services.db, account.id, owner, lease.durationMs), log, lease.renewEveryMs);
  await updateAccount(services.db, account.id, { messages_done: 0, bytes_done: 0 });
  await addEvent(services.db, { projectId: project.id, accountId: account.id, kind: 'pass.started', message: `${mode} pass started` });
  let result: PassResult;
  try {
    result = await runMigrationPass(
      { logger: log, migrationId: project.id },
      {
        source: sourceEndpoint(services, project, account),
        destination: destinationEndpoint(services, account),
        options: JSON.parse(project.options),
        store: new KnexStateStore(services.db),
        mode,
        onProgress: recorder.onProgress,
      },
    );
  } catch (err) {
    stopLease();
    await recorder.finish();
    const message = describeError(err);
    await updateAccount(services.db, account.id, { last_error: `${mode} pass failed: ${message}` });
    await addEvent(services.db, {
      projectId: project.id,
      accountId: account.id,
      kind: 'pass.failed',
      message: `${mode} pass failed: ${message}`,
      data: isMigratorError(err) ? { code: err.code } : undefined,
    });
    throw err;
  }
  stopLease();
  await recorder.finish();
  const t = result.totals;
  const report = buildReport(project.id, result, undefined);
  const problems = [
    ...result.failedFolders.map((f) => `folder ${f.sourcePath}: ${f.error}`),
    ...(t.failed ? [`${t.failed} messages failed to copy`] : []),
  ];
  await recordPass(
    services.db,
    account.id,
    {
      last_pass_at: result.finishedAt,
      last_pass_mode: mode,
      messages_total: result.preflight?.sourceMessages ?? account.messages_total,
      failed_messages: t.failed,
      last_report: JSON.stringify(report),
      last_error: problems.length ? problems.join('; ').slice(0, 2000) : null,
    },
    { passes: 1, copied: t.copied, bytesCopied: t.bytesCopied },
  );
  // a catch-up pass leaves what the user removed on the destination alone: say so
  const removed =
    t.removedByUser || t.foldersRemovedByUser
      ? `, left removed by the user ${t.removedByUser} message(s) and ${t.foldersRemovedByUser} folder(s)`
      : '';
  await addEvent(services.db, {
    projectId: project.id,
    accountId: account.id,
    kind: 'pass.finished',
    message: `${mode} pass: copied ${t.copied}, already present ${t.alreadyPresent}, flags updated ${t.flagsUpdated}, skipped ${t.skipped}, failed ${t.failed}${removed}`,
    data: { totals: t, failedFolders: result.failedFolders },
  });
  return result;
}

/**
 * Reads the destination back and matches every source message; stores the report on the account. With a
 * snapshot (the cut-over's final delta), only the messages that pass saw; later ones are newcomers.
 */
export async function verifyAccount(
  deps: MigrationDeps,
  project: ProjectRow,
  account: MigrationAccountRow,
  owner?: string,
  snapshot?: SourceSnapshot,
): Promise<VerificationReport> {
  const { services } = deps;
  const log = services.logger.child({ migrationId: project.id, tenantId: project.tenant_id, accountId: account.account_id });
  const lease = leaseTiming(deps);
  const stopLease = owner
    ? keepLease(() => renewLease(services.db, account.id, owner, lease.durationMs), log, lease.renewEveryMs)
    : () => undefined;
  const report = await verifyMailbox(
    { logger: log, migrationId: project.id },
    {
      source: sourceEndpoint(services, project, account),
      destination: destinationEndpoint(services, account),
      options: JSON.parse(project.options),
      store: new KnexStateStore(services.db),
      snapshot,
    },
  ).finally(stopLease);
  await updateAccount(services.db, account.id, {
    verification_report: JSON.stringify(report),
    missing_messages: report.totals.missing,
    ...(report.verified ? { verified_at: nowIso() } : {}),
  });
  return report;
}

/** Why verification failed, in one line: the count and the first missing messages. */
export function verificationFailure(report: VerificationReport, listed: number): string {
  const parts: string[] = [];
  if (report.totals.missing)
    parts.push(`${report.totals.missing} of ${report.totals.sourceCount} source messages missing on the destination`);
  const first = report.folders.flatMap((f) => f.missing.map((m) => ({ folder: f.sourceName, ...m }))).slice(0, listed);
  if (first.length)
    parts.push(
      `first: ${first.map((m) => `${m.folder} uid ${m.uid}${m.messageId ? ` ${m.messageId}` : ''}${m.subject ? ` "${m.subject}"` : ''}`).join(', ')}`,
    );
  if (report.totals.duplicates) parts.push(`${report.totals.duplicates} duplicate(s) on the destination`);
  if (report.totals.sizeMismatches) parts.push(`${report.totals.sizeMismatches} message(s) stored differently on the destination`);
  if (report.totals.alteredByDestination)
    parts.push(`${report.totals.alteredByDestination} message(s) altered by the destination (NUL bytes re-encoded)`);
  if (report.outcome === 'nothing-selected') parts.push('no folder was selected');
  if (report.outcome === 'verified-except-skipped')
    parts.push(`${report.totals.skipped} message(s) skipped by policy (set acceptSkipped on the project to switch anyway)`);
  const errored = report.folders.filter((f) => f.error);
  if (errored.length) parts.push(`folders not verified: ${errored.map((f) => `${f.sourceName} (${f.error})`).join(', ')}`);
  return `verification failed: ${parts.join('; ') || 'not verified'}`;
}

export function describeError(err: unknown): string {
  if (isMigratorError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Engine errors that another attempt will not fix (bad credentials, destination too small, bad options). */
export function isPermanent(err: unknown): boolean {
  if (isMigratorError(err))
    return ['MIGRATOR_AUTH_FAILED', 'MIGRATOR_PREFLIGHT_FAILED', 'MIGRATOR_INVALID_INPUT', 'MIGRATOR_STATE'].includes(err.code);
  // any other AppError here is ours: a sealed secret that does not open (key changed), bad stored input
  return isAppError(err);
}
