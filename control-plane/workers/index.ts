import type { JobHandler, QueueName } from '../../platform/queue';
import type { Services } from '../services';
import { ensureQuotaSchedules, quotaJobHandlers } from './quotas';
import { controlPlaneHandlers, ensureControlPlaneSchedules } from '../jobs/handlers';
import { migrationJobHandlers } from '../migrations';

/**
 * Every job handler of every module, by queue. A worker process runs the queues it is told to
 * (all by default), so queues can be split over machines. Modules add their handlers here.
 */
export function jobHandlers(_services: Services): Record<QueueName, JobHandler<any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    'control-plane': [...controlPlaneHandlers(_services)],
    quotas: [...quotaJobHandlers(_services)],
    migrations: [...migrationJobHandlers(_services)],
    filters: [],
    backup: [],
  };
}

/** Recurring jobs (sweeps, usage collection); upserted at every worker start. */
export async function ensureSchedules(_services: Services): Promise<void> {
  await ensureQuotaSchedules(_services);
  await ensureControlPlaneSchedules(_services);
}
