import { z } from 'zod';
import { defineJob } from '../platform/queue';

/** The directory module's jobs, on queue `control-plane`; processors/index.ts wires them and the schedules. */
export const directorySyncJob = defineJob({
  queue: 'control-plane',
  name: 'directory.sync',
  payload: z.strictObject({ tenantId: z.uuid() }),
  jobId: (p) => `directory.sync-${p.tenantId}`,
  // the result (applied, conflicts, failed) is recorded on the connection; the next schedule comes anyway
  options: { attempts: 1 },
});

/** Upserts every connection's schedule (connections set or changed since the worker started). */
export const directorySchedulesJob = defineJob({
  queue: 'control-plane',
  name: 'directory.schedules',
  payload: z.strictObject({}),
  options: { attempts: 1 },
});
