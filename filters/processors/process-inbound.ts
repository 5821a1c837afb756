import { handler } from '../../platform/queue';
import { processInboundJob } from '../jobs';
import { processInbound, type PipelineDeps } from '../use-cases/process-inbound';

/** BullMQ adapter of the pipeline: throwing (NotFinishedYet) retries with the job's backoff. */
export const processInboundHandler = (deps: PipelineDeps) => handler(processInboundJob, (payload) => processInbound(deps, payload));
