import { z } from 'zod';
import { defineJob } from '../platform/queue';

/**
 * The quotas module's jobs, all on queue `quotas`. Handlers are in collect-usage.ts, reconcile.ts and
 * webhook.ts; control-plane/workers/quotas.ts wires them and the schedules.
 */
export const collectUsageJob = defineJob({
  queue: 'quotas',
  name: 'quota.usage-collect',
  payload: z.strictObject({ tenantId: z.uuid().optional() }),
  // Usage figures age quickly: an old failed run is not worth 8 attempts when the next run comes in minutes.
  options: { attempts: 2 },
});

export const reconcileJob = defineJob({
  queue: 'quotas',
  name: 'quota.reconcile',
  payload: z.strictObject({ tenantId: z.uuid().optional() }),
  options: { attempts: 3 },
});

export const webhookJob = defineJob({
  queue: 'quotas',
  name: 'quota.webhook',
  payload: z.strictObject({ tenantId: z.uuid(), notificationId: z.number().int().positive() }),
  // One POST per notification, however often the enqueue is retried. Notification ids count per
  // database, so the tenant id keeps them apart when one Redis outlives or serves another database
  // (a restored database; the test run's SQLite and PostgreSQL passes share one Redis).
  jobId: (p) => `quota.webhook-${p.tenantId}-${p.notificationId}`,
});
