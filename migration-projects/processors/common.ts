import type { Job } from 'bullmq';
import type { JobOutcome } from '../../platform/queue';

/** What a processor needs of a BullMQ job; tests that call processors directly pass a literal. */
export type JobInfo = Pick<Job, 'id' | 'attemptsMade' | 'opts'>;

export const skipped = (why: string, detail: Record<string, unknown> = {}): JobOutcome => ({
  status: 'skipped',
  detail: { why, ...detail },
});
export const done = (detail?: Record<string, unknown>): JobOutcome => ({ status: 'done', detail });

/** True on the job's last attempt: a transient failure is final now and must be recorded as such. */
export function isLastAttempt(job: JobInfo): boolean {
  return (job.attemptsMade ?? 0) + 1 >= (job.opts?.attempts ?? 1);
}
