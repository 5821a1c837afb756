// The engine's entry points: preflight(), runMigrationPass(), verifyMailbox(). The control
// plane's job processor and the CLI are thin adapters over these three.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { MigratorError } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import { closeQuietly, openImapFlow } from '../imap/connect';
import { endpointKey } from '../imap/credentials';
import { acquireHostSlot } from '../imap/host-limiter';
import {
  type Endpoint,
  type EndpointInput,
  type MigrationOptions,
  type MigrationOptionsInput,
  type PassMode,
  parseEndpoint,
  parseOptions,
} from '../options';
import { type PassResult, type VerificationReport, buildVerificationReport, sumPass } from '../report';
import type { MigrationStateStore } from '../state/store';
import { ByteThrottle, type PassContext, type ProgressEvent } from './context';
import { type FolderPassResult, emptyFolderResult, syncFolder } from './folder-sync';
import { planAccount } from './plan';
import type { SourceSnapshot } from './snapshot';
import { type PreflightReport, preflight as runPreflightChecks } from './preflight';
import { type FolderVerification, emptyFolderVerification, verifyFolder } from './verify';
import { runFolders } from './workers';

export interface EngineContext {
  logger: Logger;
  /** Stable id of the migration (project/account job); groups state rows. */
  migrationId: string;
}

export interface PassInput {
  source: EndpointInput;
  destination: EndpointInput;
  options?: MigrationOptionsInput;
  store: MigrationStateStore;
  mode?: PassMode;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

interface Prepared {
  pc: PassContext;
  plans: FolderPlan[];
  preflight: PreflightReport;
  cleanup: () => Promise<void>;
}

function accountKeyOf(src: Endpoint, dst: Endpoint): string {
  return `${endpointKey(src)} -> ${endpointKey(dst)}`;
}

async function prepare(ctx: EngineContext, input: PassInput, withPreflight: boolean): Promise<Prepared> {
  const source = parseEndpoint(input.source, 'source');
  const destination = parseEndpoint(input.destination, 'destination');
  const options: MigrationOptions = parseOptions(input.options);
  const accountKey = accountKeyOf(source, destination);
  const log = ctx.logger.child({ migrationId: ctx.migrationId, account: source.user });
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'postwerk-migrate-'));
  const pc: PassContext = {
    log,
    migrationId: ctx.migrationId,
    accountKey,
    source,
    destination,
    options,
    store: input.store,
    signal: input.signal,
    emit: (e) => {
      try {
        input.onProgress?.(e);
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'progress listener threw');
      }
    },
    throttle: new ByteThrottle(options.bytesPerSecond),
    tmpDir,
    shortReads: new Map(),
  };
  const release = await acquireHostSlot(source.host, source.port, options.maxConnectionsPerHost, input.signal);
  let src, dst;
  try {
    src = await openImapFlow(source, log.child({ side: 'source' }));
    dst = await openImapFlow(destination, log.child({ side: 'destination' }));
    const plans = await planAccount(src, dst, options);
    const pre = withPreflight
      ? await runPreflightChecks({ src, dst, plans, options, store: input.store, migrationId: ctx.migrationId, accountKey }, log)
      : ({ perFolder: {} } as PreflightReport);
    return { pc, plans, preflight: pre, cleanup: () => rm(tmpDir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  } finally {
    await closeQuietly(src);
    await closeQuietly(dst);
    release();
  }
}

function byWorkDesc(plans: FolderPlan[], pre: PreflightReport): FolderPlan[] {
  return plans
    .filter((p) => p.action === 'copy')
    .sort((a, b) => (pre.perFolder[b.sourcePath]?.bytes ?? 0) - (pre.perFolder[a.sourcePath]?.bytes ?? 0));
}

/** Checks what the destination can hold; writes nothing. */
export async function preflight(
  ctx: EngineContext,
  input: Omit<PassInput, 'mode'>,
): Promise<{ plan: FolderPlan[]; preflight: PreflightReport }> {
  const p = await prepare(ctx, input, true);
  await p.cleanup();
  return { plan: p.plans, preflight: p.preflight };
}

/**
 * One pass over an account: full (everything not yet copied), delta (new messages and flag
 * changes since the last pass, CONDSTORE where the source has it) or catchup (a delta after the
 * switch that leaves the user's changes on the destination alone, see PassMode). Idempotent and resumable.
 * Throws MigratorError MIGRATOR_PREFLIGHT_FAILED (details.preflight) when the quota is too
 * small and options.failOnQuota, MIGRATOR_AUTH_FAILED, MIGRATOR_ABORTED; per-message and
 * per-folder failures are in the result.
 */
export async function runMigrationPass(ctx: EngineContext, input: PassInput): Promise<PassResult> {
  const startedAt = new Date();
  const mode = input.mode ?? 'full';
  const p = await prepare(ctx, input, true);
  try {
    const { pc, plans, preflight: pre } = p;
    pc.log.info(
      { mode, folders: plans.filter((x) => x.action === 'copy').length, messages: pre.sourceMessages, bytes: pre.sourceBytes },
      'migration pass starting',
    );
    if (!pre.ok && pc.options.failOnQuota && !pc.options.dryRun)
      throw new MigratorError('MIGRATOR_PREFLIGHT_FAILED', pre.problems.join('; '), { preflight: pre });
    const work = byWorkDesc(plans, pre);
    pc.emit({ kind: 'plan', phase: 'copy', folders: work.length, messages: pre.sourceMessages, bytes: pre.bytesToCopy });
    const results = new Map<FolderPlan, FolderPassResult>();
    // a dry run stops at the plan and the pre-flight: no folder is created, nothing appended
    const outcome = await runFolders(
      pc,
      pc.options.dryRun ? [] : work,
      { parallel: pc.options.parallelFolders, writer: true, phase: 'copy' },
      async (plan, conns) => {
        const r = results.get(plan) ?? emptyFolderResult(plan);
        results.set(plan, r);
        await syncFolder(pc, plan, { src: conns.src, dst: conns.dst, writer: conns.writer! }, mode, r);
        return r;
      },
    );
    const folders: FolderPassResult[] = [];
    const failedFolders: PassResult['failedFolders'] = [];
    for (const plan of work) {
      const r = results.get(plan) ?? emptyFolderResult(plan);
      if (pc.options.dryRun) r.sourceCount = pre.perFolder[plan.sourcePath]?.messages ?? 0;
      const o = outcome.get(plan);
      if (o?.error) {
        r.error = o.error;
        failedFolders.push({ sourcePath: plan.sourcePath, error: o.error });
      }
      const seen = new Set<number>();
      r.failed = r.failed.filter((f) => !seen.has(f.uid) && seen.add(f.uid));
      folders.push(r);
    }
    const result: PassResult = {
      migrationId: ctx.migrationId,
      account: { source: endpointKey(pc.source), destination: endpointKey(pc.destination) },
      mode,
      dryRun: pc.options.dryRun,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      plan: plans,
      preflight: pre,
      folders,
      totals: sumPass(folders),
      failedFolders,
    };
    pc.log.info({ ...result.totals, failedFolders: failedFolders.length }, 'migration pass finished');
    return result;
  } finally {
    await p.cleanup();
  }
}

/**
 * Reads the destination back and matches every source message by SHA-256. `verified` only
 * when nothing is missing. The source is read and hashed again (independent of the copy); rehashSource:
 * false trusts the hashes recorded while copying instead (faster, but it cannot catch a short read).
 * mode 'catchup' (after the switch): a message the migrator copied whose copy is gone, and a folder it
 * synced that is gone, were removed by the user: reported as removedByUser, not missing.
 * snapshot (sourceSnapshot(pass), a cut-over's final delta): per folder only the messages that pass saw
 * are checked, later ones are reported as newcomers; a folder whose source UIDVALIDITY changed since
 * is not verified. A folder without a snapshot entry is verified in full.
 */
export async function verifyMailbox(
  ctx: EngineContext,
  input: PassInput & { rehashSource?: boolean; snapshot?: SourceSnapshot },
): Promise<VerificationReport> {
  const startedAt = new Date();
  const p = await prepare(ctx, input, false);
  try {
    const { pc, plans } = p;
    const work = plans.filter((x) => x.action === 'copy');
    pc.emit({ kind: 'plan', phase: 'verify', folders: work.length, messages: 0, bytes: 0 });
    const outcome = await runFolders(pc, work, { parallel: pc.options.parallelFolders, writer: false, phase: 'verify' }, (plan, conns) =>
      verifyFolder(pc, plan, conns, {
        rehashSource: input.rehashSource !== false,
        afterSwitch: input.mode === 'catchup',
        snapshot: input.snapshot?.[plan.sourcePath],
      }),
    );
    const folders: FolderVerification[] = work.map((plan) => {
      const o = outcome.get(plan);
      if (o?.value) return o.value;
      return emptyFolderVerification(plan, o?.error ?? 'not verified');
    });
    const report = buildVerificationReport(
      { source: endpointKey(pc.source), destination: endpointKey(pc.destination) },
      folders,
      startedAt,
    );
    pc.log.info({ ...report.totals, verified: report.verified }, 'verification finished');
    return report;
  } finally {
    await p.cleanup();
  }
}
