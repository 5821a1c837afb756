import type { JobOutcome } from '../../platform/queue';
import { catchupJob } from '../jobs';
import { addEvent, claimLease, findProject, getAccount, releaseLease } from '../repositories/migration-projects';
import { describeError, runAccountPass, leaseTiming, type MigrationDeps } from './engine';
import { ACCOUNT_BUSY } from './lease';
import { done, skipped, type JobInfo } from './common';

/**
 * `migration.catchup`: after the switch, catch-up passes (PassMode 'catchup') every catch-up interval until the account's window
 * closes, for mail that still reached the old server. Each round queues the next one (a chain of delayed
 * jobs with deterministic ids); a failed round is recorded and the chain goes on.
 */
export async function processCatchup(
  deps: MigrationDeps,
  payload: { projectId: string; accountId: string; round: number },
  job: JobInfo,
): Promise<JobOutcome> {
  const { db, queue } = deps.services;
  const account = await getAccount(db, payload.accountId);
  const project = await findProject(db, null, payload.projectId);
  if (!account || !project || account.project_id !== project.id) return skipped('account no longer exists');
  if (account.status !== 'live' || !account.catchup_until) return skipped(`account is ${account.status}`);

  const owner = job.id ?? catchupJob.jobId!(payload);
  let outcome: JobOutcome;
  if (await claimLease(db, account.id, owner, 'catchup', leaseTiming(deps).durationMs)) {
    try {
      // the destination is the user's mailbox now: a catch-up pass leaves what the user removed or changed alone
      const r = await runAccountPass(deps, project, account, 'catchup', owner);
      outcome = done({ round: payload.round, totals: r.totals });
    } catch (err) {
      outcome = done({ round: payload.round, failed: describeError(err) });
    } finally {
      await releaseLease(db, account.id, owner);
    }
  } else outcome = skipped('another pass holds the account', { code: ACCOUNT_BUSY, round: payload.round });

  const until = Date.parse(account.catchup_until);
  if (Date.now() + project.catchup_interval_ms <= until) {
    await queue.enqueue(catchupJob, { ...payload, round: payload.round + 1 }, { delay: project.catchup_interval_ms });
  } else {
    await addEvent(db, {
      projectId: project.id,
      accountId: account.id,
      kind: 'catchup.finished',
      message: `catch-up window closed after ${payload.round} round(s)`,
    });
  }
  return outcome;
}
