import type { JobOutcome } from '../../platform/queue';
import { deltaJob } from '../jobs';
import { accountsOf, claimLease, findProject, getAccount, releaseLease } from '../repositories/migration-projects';
import { describeError, runAccountPass, leaseTiming, type MigrationDeps } from './engine';
import { ACCOUNT_BUSY } from './lease';
import { done, skipped, type JobInfo } from './common';

const DELTA_PROJECT_STATUSES = ['active', 'cutover-scheduled'];

/**
 * `migration.delta`. Without accountId (the project's job scheduler): fans out one job per synced
 * account. With accountId: one delta pass, skipped while another pass holds the account (the next tick
 * comes soon). A failed delta is recorded on the account and left to the next tick; it does not fail
 * the account (the cut-over's final delta and verification decide).
 */
export async function processDelta(
  deps: MigrationDeps,
  payload: { projectId: string; accountId?: string; tick?: string },
  job: JobInfo,
): Promise<JobOutcome> {
  const { db, queue } = deps.services;
  const project = await findProject(db, null, payload.projectId);
  if (!project) return skipped('project no longer exists');
  if (!DELTA_PROJECT_STATUSES.includes(project.status)) return skipped(`project is ${project.status}`);

  if (!payload.accountId) {
    if (project.delta_interval_ms === null) return skipped('delta passes are stopped');
    const synced = await accountsOf(db, project.id, { statuses: ['synced'] });
    const tick = payload.tick ?? job.id ?? new Date().toISOString();
    for (const a of synced) await queue.enqueue(deltaJob, { projectId: project.id, accountId: a.id, tick });
    return done({ accounts: synced.length });
  }

  const account = await getAccount(db, payload.accountId);
  if (!account || account.project_id !== project.id) return skipped('account no longer exists');
  if (account.status !== 'synced') return skipped(`account is ${account.status}`);
  const owner = job.id ?? deltaJob.jobId!(payload);
  if (!(await claimLease(db, account.id, owner, 'delta', leaseTiming(deps).durationMs)))
    return skipped('another pass holds the account', { code: ACCOUNT_BUSY });
  try {
    const result = await runAccountPass(deps, project, account, 'delta', owner);
    return done({ totals: result.totals });
  } catch (err) {
    return done({ failed: describeError(err) });
  } finally {
    await releaseLease(db, account.id, owner);
  }
}
