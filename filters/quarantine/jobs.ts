import { z } from 'zod';
import { defineJob } from '../../platform/queue';

/**
 * The quarantine's jobs, on queue `filters`. quarantine.expire runs hourly (EXPIRE_EVERY_MS, scheduled by
 * control-plane/workers/quarantine.ts): deletes what is past its tenant's period, and sweeps orphan files.
 */
export const expireQuarantineJob = defineJob({
  queue: 'filters',
  name: 'quarantine.expire',
  payload: z.strictObject({ tenantId: z.uuid().optional() }),
  // the next run comes within the hour: an old failed run is not worth eight attempts
  options: { attempts: 2 },
});
