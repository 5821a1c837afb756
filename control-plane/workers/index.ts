import type { JobHandler, QueueName } from '../../platform/queue';
import type { Services } from '../services';
import { ensureQuotaSchedules, quotaJobHandlers } from '../../quotas/processors/index';
import { controlPlaneHandlers, ensureControlPlaneSchedules } from '../../tenancy/processors/index';
import { migrationJobHandlers } from '../../migration-projects';
import { backupJobHandlers, ensureBackupSchedules } from '../../backup/processors';
import { filterJobHandlers, Spool } from '../../filters';
import { ensureQuarantineSchedules, quarantineJobHandlers } from './quarantine';
import { directoryJobHandlers, ensureDirectorySchedules } from '../../directory/processors';
import { ensureProbeSchedules, probeJobHandlers } from '../../operability/processors';

/**
 * Every job handler of every module, by queue. A worker process runs the queues it is told to
 * (all by default), so queues can be split over machines. Modules add their handlers here.
 */
// Handlers of different payload types share one list; each is typed where it is declared.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jobHandlers(services: Services): Record<QueueName, JobHandler<any>[]> {
  return {
    'control-plane': [...controlPlaneHandlers(services), ...directoryJobHandlers(services)],
    quotas: [...quotaJobHandlers(services)],
    migrations: [...migrationJobHandlers(services)],
    filters: [...filterJobHandlers(services, new Spool(services.config.smtp.spoolDir)), ...quarantineJobHandlers(services)],
    backup: [...backupJobHandlers(services)],
    probes: [...probeJobHandlers(services)],
  };
}

/** Recurring jobs (sweeps, usage collection); upserted at every worker start. */
export async function ensureSchedules(services: Services): Promise<void> {
  await ensureQuotaSchedules(services);
  await ensureControlPlaneSchedules(services);
  await ensureBackupSchedules(services);
  await ensureQuarantineSchedules(services);
  await ensureDirectorySchedules(services);
  await ensureProbeSchedules(services);
}
