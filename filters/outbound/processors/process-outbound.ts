import { handler } from '../../../platform/queue';
import { processOutboundJob } from '../jobs';
import { processOutbound, type OutboundDeps } from '../use-cases/process-outbound';

/** BullMQ adapter of the outbound pipeline: throwing (NotSentYet) retries with the job's backoff. */
export const processOutboundHandler = (deps: OutboundDeps) => handler(processOutboundJob, (payload) => processOutbound(deps, payload));
