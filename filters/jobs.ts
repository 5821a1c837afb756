import { z } from 'zod';
import { defineJob } from '../platform/queue';
import { PIPELINE_BACKOFF_MS, PIPELINE_JOB_ATTEMPTS } from './limits';

/** Queue ids as the spool makes them (filters/spool/queue-id.ts): safe in file names and job ids. */
export const queueIdSchema = z.string().regex(/^[0-9A-Z]{10,40}$/, 'a spool queue id');

/**
 * One job per accepted message: antivirus → spam → decision per recipient's tenant → route → deliver.
 * The job only points to the spool file (the truth); its id is the queue id, so an enqueue repeated by
 * the ingress and the spool sweep is harmless. Throwing (a scanner down, a temporary delivery failure)
 * retries the whole job; targets already final are skipped.
 */
export const processInboundJob = defineJob({
  queue: 'filters',
  name: 'inbound.process',
  payload: z.object({ queueId: queueIdSchema }),
  jobId: (p) => p.queueId,
  options: { attempts: PIPELINE_JOB_ATTEMPTS, backoff: { type: 'exponential', delay: PIPELINE_BACKOFF_MS } },
});
export type ProcessInboundPayload = z.infer<typeof processInboundJob.payload>;
