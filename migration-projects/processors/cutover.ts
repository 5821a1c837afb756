import { systemActor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import type { JobOutcome } from '../../platform/queue';
import { sourceSnapshot, type PassResult, type VerificationReport } from '../../migrator';
import { catchupJob, cutoverJob, deltaSchedulerId } from '../jobs';
import { CUTOVER_BUSY_RETRY_MS, CUTOVER_MAX_BUSY_WAITS, REASON_MISSING_LISTED } from '../limits';
import {
  accountsOf,
  addEvent,
  claimLease,
  findProject,
  getAccount,
  releaseLease,
  setInboundRoute,
  updateAccount,
  updateAccounts,
  updateProject,
  type MigrationAccountRow,
  type ProjectRow,
} from '../repositories/migration-projects';
import { describeError, isPermanent, runAccountPass, verificationFailure, verifyAccount, leaseTiming, type MigrationDeps } from './engine';
import { ACCOUNT_BUSY } from './lease';
import { done, isLastAttempt, skipped, type JobInfo } from './common';

type CutoverPayload = { projectId: string; generation: number; accountId?: string; wait?: number };

const actor = systemActor('migration.cutover');
/** Accounts the cut-over takes: synced ones, and those a crashed run left half-way. */
const READY = ['synced', 'cutting-over', 'verified'] as const;
const IN_CUTOVER = ['cutting-over', 'verified'] as const;

/**
 * `migration.cutover`. The engineer's delayed job (no accountId) stops the delta passes and fans out one
 * job per ready account. Each account job runs: final delta → verification against the delta's snapshot →
 * only when nothing of it is missing, the switch (status live + inbound_route local + audit entry, one
 * transaction), a catch-up pass for mail that reached the source after the delta, and the catch-up chain.
 * A failed verification blocks the switch: the account is `failed` with the reason and inbound mail stays
 * with the source server.
 */
export async function processCutover(deps: MigrationDeps, payload: CutoverPayload, job: JobInfo): Promise<JobOutcome> {
  const { db } = deps.services;
  const project = await findProject(db, null, payload.projectId);
  if (!project) return skipped('project no longer exists');
  if (project.cutover_generation !== payload.generation)
    return skipped('stale: the cut-over was rescheduled or rolled back', { generation: project.cutover_generation });
  return payload.accountId
    ? cutoverAccount(deps, project, payload as CutoverPayload & { accountId: string }, job)
    : startCutover(deps, project, payload);
}

async function startCutover(deps: MigrationDeps, project: ProjectRow, payload: CutoverPayload): Promise<JobOutcome> {
  const { db, queue } = deps.services;
  if (project.status !== 'cutover-scheduled' && project.status !== 'cutting-over') return skipped(`project is ${project.status}`);
  const result = await inTransaction(db, async ({ trx, afterCommit }) => {
    const accounts = await accountsOf(trx, project.id);
    const ready = accounts.filter((a) => (READY as readonly string[]).includes(a.status));
    const notReady = accounts.filter((a) => !(READY as readonly string[]).includes(a.status) && a.status !== 'live');
    await updateAccounts(trx, project.id, ['synced'], { status: 'cutting-over' });
    await updateProject(trx, project.id, { status: 'cutting-over', delta_interval_ms: null });
    const message = `cut-over started for ${ready.length} account(s)${notReady.length ? `; not ready, left out: ${notReady.map((a) => `${a.source_user} (${a.status})`).join(', ')}` : ''}`;
    await addEvent(trx, {
      projectId: project.id,
      kind: 'cutover.started',
      message,
      data: { ready: ready.map((a) => a.id), notReady: notReady.map((a) => ({ id: a.id, status: a.status })) },
    });
    await appendAudit(trx, actor, {
      action: 'migration.cutover.started',
      tenantId: project.tenant_id,
      target: { type: 'migration_project', id: project.id },
      after: { accounts: ready.map((a) => a.source_user), notReady: notReady.map((a) => a.source_user) },
    });
    afterCommit(async () => {
      await queue.removeSchedule('migrations', deltaSchedulerId(project.id));
      for (const a of ready) await queue.enqueue(cutoverJob, { projectId: project.id, generation: payload.generation, accountId: a.id });
    });
    return { ready: ready.length, notReady: notReady.length };
  });
  if (!result.ready) await settleProject(deps, project.id);
  return done(result);
}

async function cutoverAccount(
  deps: MigrationDeps,
  project: ProjectRow,
  payload: CutoverPayload & { accountId: string },
  job: JobInfo,
): Promise<JobOutcome> {
  const { db, queue } = deps.services;
  const account = await getAccount(db, payload.accountId);
  if (!account || account.project_id !== project.id) return skipped('account no longer exists');
  if (!(IN_CUTOVER as readonly string[]).includes(account.status)) {
    await settleProject(deps, project.id);
    return skipped(`account is ${account.status}`);
  }
  const owner = job.id ?? cutoverJob.jobId!(payload);
  if (!(await claimLease(db, account.id, owner, 'cutover', leaseTiming(deps).durationMs))) {
    const wait = payload.wait ?? 0;
    if (wait >= CUTOVER_MAX_BUSY_WAITS) {
      await failAccount(
        deps,
        project,
        account,
        `cut-over gave up: a ${account.phase ?? 'previous'} pass still held the account after ${Math.round((wait * CUTOVER_BUSY_RETRY_MS) / 60_000)} minutes`,
      );
      return done({ failed: 'busy' });
    }
    await queue.enqueue(cutoverJob, { ...payload, wait: wait + 1 }, { delay: CUTOVER_BUSY_RETRY_MS });
    return skipped('another pass holds the account; looking again shortly', { code: ACCOUNT_BUSY, wait: wait + 1 });
  }
  try {
    let delta: PassResult;
    try {
      delta = await runAccountPass(deps, project, account, 'delta', owner);
    } catch (err) {
      if (!isPermanent(err) && !isLastAttempt(job)) throw err;
      await failAccount(deps, project, account, `final delta failed: ${describeError(err)}`);
      return done({ failed: 'final delta' });
    }
    await deps.hooks?.beforeVerify?.(account);
    let report;
    try {
      // against what the final delta copied: mail that reached the source since is a newcomer, not missing,
      // or a busy mailbox would never finish its cut-over
      report = await verifyAccount(deps, project, account, owner, sourceSnapshot(delta));
    } catch (err) {
      if (!isPermanent(err) && !isLastAttempt(job)) throw err;
      await failAccount(deps, project, account, `verification could not run: ${describeError(err)}`);
      return done({ failed: 'verification error' });
    }
    const acceptSkipped = (JSON.parse(project.options) as { acceptSkipped?: boolean }).acceptSkipped === true;
    if (!report.verified && !(acceptSkipped && report.outcome === 'verified-except-skipped')) {
      await failAccount(deps, project, account, verificationFailure(report, REASON_MISSING_LISTED), {
        missing: report.totals.missing,
        manifestDigest: report.manifestDigest,
      });
      return done({ failed: 'verification', missing: report.totals.missing });
    }
    await updateAccount(db, account.id, { status: 'verified' }, [...IN_CUTOVER]);
    const switched = await switchAccount(deps, project, account, report);
    if (!switched) return skipped('the account left the cut-over before the switch');
    const newcomers = report.totals.newcomers;
    if (!newcomers) return done({ switched: true });
    return done({ switched: true, newcomers, ...(await catchUpNewcomers(deps, project, account, owner)) });
  } finally {
    await releaseLease(db, account.id, owner);
    await settleProject(deps, project.id);
  }
}

/** The switch: live, inbound to local, audit entry — one transaction; then the catch-up chain. */
async function switchAccount(
  deps: MigrationDeps,
  project: ProjectRow,
  account: MigrationAccountRow,
  report: VerificationReport,
): Promise<boolean> {
  const { db, queue } = deps.services;
  const { manifestDigest, totals } = report;
  const now = Date.now();
  const catchupUntil = project.catchup_window_ms > 0 ? new Date(now + project.catchup_window_ms).toISOString() : null;
  return inTransaction(db, async ({ trx, afterCommit }) => {
    const n = await updateAccount(
      trx,
      account.id,
      { status: 'live', switched_at: new Date(now).toISOString(), catchup_until: catchupUntil, last_error: null },
      ['verified'],
    );
    if (!n) return false;
    await setInboundRoute(trx, [account.account_id], 'local');
    await appendAudit(trx, actor, {
      action: 'migration.account.switched',
      tenantId: project.tenant_id,
      target: { type: 'account', id: account.account_id },
      before: { inboundRoute: 'source', status: 'verified' },
      after: {
        inboundRoute: 'local',
        status: 'live',
        project: project.id,
        sourceUser: account.source_user,
        manifestDigest,
        verification: totals,
        catchupUntil,
      },
    });
    await addEvent(trx, {
      projectId: project.id,
      accountId: account.id,
      kind: 'switched',
      message: `verified and switched: inbound mail is delivered locally (manifest ${manifestDigest})${totals.newcomers ? `; ${totals.newcomers} message(s) reached the source after the final delta: catching them up` : ''}`,
    });
    if (catchupUntil)
      afterCommit(() =>
        queue.enqueue(
          catchupJob,
          { projectId: project.id, accountId: account.id, round: 1 },
          { delay: Math.min(project.catchup_interval_ms, project.catchup_window_ms) },
        ),
      );
    return true;
  });
}

/**
 * Mail that reached the source between the final delta and the verification, copied at once by a catch-up
 * pass (the destination is the user's mailbox since the switch) while the cut-over still holds the lease:
 * it need not wait for the catch-up chain, and is not left behind by a project without a catch-up window.
 * A failure is recorded by runAccountPass (last error, `pass.failed`); the chain, if any, tries again.
 */
async function catchUpNewcomers(
  deps: MigrationDeps,
  project: ProjectRow,
  account: MigrationAccountRow,
  owner: string,
): Promise<{ caughtUp: number } | { catchupFailed: string }> {
  try {
    const r = await runAccountPass(deps, project, account, 'catchup', owner);
    return { caughtUp: r.totals.copied };
  } catch (err) {
    return { catchupFailed: describeError(err) };
  }
}

async function failAccount(
  deps: MigrationDeps,
  project: ProjectRow,
  account: MigrationAccountRow,
  reason: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await inTransaction(deps.services.db, async ({ trx }) => {
    const n = await updateAccount(trx, account.id, { status: 'failed', last_error: reason.slice(0, 2000) }, [...IN_CUTOVER]);
    if (!n) return;
    await addEvent(trx, { projectId: project.id, accountId: account.id, kind: 'cutover.failed', message: reason, data: extra });
    await appendAudit(trx, actor, {
      action: 'migration.account.cutover_failed',
      tenantId: project.tenant_id,
      target: { type: 'account', id: account.account_id },
      after: { project: project.id, sourceUser: account.source_user, reason, inboundRoute: 'source', ...extra },
    });
  });
}

/** When no account of a running cut-over is left in it: the project is cut over, or active again when some still need work. */
export async function settleProject(deps: MigrationDeps, projectId: string): Promise<void> {
  await inTransaction(deps.services.db, async ({ trx }) => {
    const project = await findProject(trx, null, projectId, { forUpdate: true });
    if (!project || project.status !== 'cutting-over') return;
    const accounts = await accountsOf(trx, projectId);
    if (accounts.some((a) => (IN_CUTOVER as readonly string[]).includes(a.status))) return;
    const live = accounts.filter((a) => a.status === 'live').length;
    const status = live === accounts.length ? 'cut-over' : 'active';
    await updateProject(trx, projectId, { status });
    const failed = accounts.filter((a) => a.status === 'failed');
    await addEvent(trx, {
      projectId,
      kind: 'cutover.finished',
      message: `cut-over finished at ${nowIso()}: ${live} of ${accounts.length} account(s) live${failed.length ? `, ${failed.length} failed (${failed.map((a) => a.source_user).join(', ')})` : ''}`,
    });
  });
}
