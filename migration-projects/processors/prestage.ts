import type { JobOutcome } from '../../platform/queue';
import { prestageJob } from '../jobs';
import { addEvent, claimLease, findProject, getAccount, releaseLease, updateAccount } from '../repositories/migration-projects';
import { describeError, isPermanent, runAccountPass, leaseTiming, type MigrationDeps } from './engine';
import { done, isLastAttempt, skipped, type JobInfo } from './common';

/**
 * `migration.prestage`: the full pass of one account. On success the account is `synced` (delta passes
 * and the cut-over take it from there); when the pass cannot succeed (credentials refused, destination
 * too small) or transient errors outlast every retry, it is `failed` with the reason.
 */
export async function processPrestage(
  deps: MigrationDeps,
  payload: { projectId: string; accountId: string; generation: number },
  job: JobInfo,
): Promise<JobOutcome> {
  const { db } = deps.services;
  const account = await getAccount(db, payload.accountId);
  if (!account || account.project_id !== payload.projectId) return skipped('account no longer exists');
  if (account.generation !== payload.generation || account.status !== 'prestaging')
    return skipped('stale: the account was restarted, rolled back or already done', { status: account.status });
  const project = await findProject(db, null, payload.projectId);
  if (!project || project.status === 'rolled-back') return skipped('project rolled back');

  const owner = job.id ?? prestageJob.jobId!(payload);
  // Only an older pass of the same account can hold the lease here; BullMQ retries once it is gone.
  if (!(await claimLease(db, account.id, owner, 'prestage', leaseTiming(deps).durationMs)))
    throw new Error(`account ${account.source_user} is busy with another pass`);
  try {
    const result = await runAccountPass(deps, project, account, 'full', owner);
    const n = await updateAccount(db, account.id, { status: 'synced' }, ['prestaging'], payload.generation);
    if (n) await addEvent(db, { projectId: project.id, accountId: account.id, kind: 'status', message: 'pre-stage finished: synced' });
    return done({ totals: result.totals });
  } catch (err) {
    if (!isPermanent(err) && !isLastAttempt(job)) throw err;
    const reason = `pre-stage failed: ${describeError(err)}`;
    const n = await updateAccount(db, account.id, { status: 'failed', last_error: reason }, ['prestaging'], payload.generation);
    if (n) await addEvent(db, { projectId: project.id, accountId: account.id, kind: 'status', message: reason });
    return done({ failed: reason });
  } finally {
    await releaseLease(db, account.id, owner);
  }
}
