import { z } from 'zod';
import { defineJob } from '../platform/queue';

/**
 * The backup module's jobs, all on queue `backup`; processors/index.ts wires them and the schedules.
 */
export const backupTenantJob = defineJob({
  queue: 'backup',
  name: 'backup.run',
  payload: z.strictObject({
    tenantId: z.uuid(),
    accountId: z.uuid().optional(),
    trigger: z.enum(['schedule', 'demand']),
    /** on demand: when it was asked, so that two asks are two jobs but one retried ask is one */
    requestedAt: z.string().optional(),
  }),
  jobId: (p) => `backup.run-${p.tenantId}-${p.accountId ?? 'all'}-${p.trigger}-${p.requestedAt ?? 'scheduled'}`,
  // a pass resumes where the last stopped: a few retries are enough, the next schedule comes anyway
  options: { attempts: 3 },
});

/** A restore drill of one tenant (use-cases/run-restore-drill.ts): daily per tenant, and on demand. */
export const backupDrillJob = defineJob({
  queue: 'backup',
  name: 'backup.drill',
  payload: z.strictObject({
    tenantId: z.uuid(),
    trigger: z.enum(['schedule', 'demand']),
    requestedAt: z.string().optional(),
  }),
  jobId: (p) => `backup.drill-${p.tenantId}-${p.trigger}-${p.requestedAt ?? 'scheduled'}`,
  // a failed drill is a result (recorded, notified), not a retry; only a running pass makes it retry
  options: { attempts: 3 },
});

/** Upserts every tenant's schedule (tenants created since the worker started get theirs within minutes). */
export const backupSchedulesJob = defineJob({
  queue: 'backup',
  name: 'backup.schedules',
  payload: z.strictObject({}),
  options: { attempts: 1 },
});

/** Daily per tenant: retention of the index, then garbage collection of the store (use-cases/run-retention.ts). */
export const backupRetentionJob = defineJob({
  queue: 'backup',
  name: 'backup.retention',
  payload: z.strictObject({ tenantId: z.uuid() }),
  // a running pass makes it give up with `conflict`: the default exponential backoff retries it
  // after the pass (eight attempts span several minutes), and tomorrow's run comes anyway
});

/** Daily per tenant: every indexed body read back and verified (use-cases/check-integrity.ts). */
export const backupIntegrityJob = defineJob({
  queue: 'backup',
  name: 'backup.integrity',
  payload: z.strictObject({ tenantId: z.uuid() }),
  // a check that ran records its finding (passed or failed); only a check that could not run (the
  // database or the store unreachable, a key that does not open) throws, and it is retried twice
  options: { attempts: 3 },
});
