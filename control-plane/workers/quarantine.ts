import type { JobHandler } from '../../platform/queue';
import type { Services } from '../../platform/context';
import { expireQuarantineJob } from '../../filters/quarantine/jobs';
import { expireQuarantineHandler } from '../../filters/quarantine/processors/expire-quarantine';
import { EXPIRE_EVERY_MS } from '../../filters/quarantine/limits';

/** The quarantine's handlers (queue `filters`) and its hourly expiry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function quarantineJobHandlers(services: Services): JobHandler<any>[] {
  return [expireQuarantineHandler(services)];
}

export async function ensureQuarantineSchedules(services: Services): Promise<void> {
  await services.queue.schedule(expireQuarantineJob, 'quarantine.expire', { everyMs: EXPIRE_EVERY_MS }, {});
}
