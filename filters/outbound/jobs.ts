import { z } from 'zod';
import { defineJob } from '../../platform/queue';
import { queueIdSchema } from '../jobs';
import { OUTBOUND_BACKOFF_MS, OUTBOUND_JOB_ATTEMPTS } from './limits';

/**
 * One job per submitted message (on the filters queue, the same process role as the inbound pipeline):
 * antivirus → spam → deliver per recipient (local through the inbound path, remote through the
 * smarthost or MX, DKIM-signed). The job points to the outbound spool file; its id is `out-<queue id>`,
 * so the submission listener, the sweep and a release may all enqueue it harmlessly. Throwing (a scanner
 * down, a deferred recipient) retries it with the backoff; recipients already final are skipped.
 */
export const processOutboundJob = defineJob({
  queue: 'filters',
  name: 'outbound.process',
  payload: z.object({ queueId: queueIdSchema }),
  jobId: (p) => `out-${p.queueId}`,
  options: { attempts: OUTBOUND_JOB_ATTEMPTS, backoff: { type: 'exponential', delay: OUTBOUND_BACKOFF_MS } },
});
export type ProcessOutboundPayload = z.infer<typeof processOutboundJob.payload>;
