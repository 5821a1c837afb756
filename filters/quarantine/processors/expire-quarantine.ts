import { handler, type JobHandler } from '../../../platform/queue';
import type { Services } from '../../../platform/context';
import { expireQuarantineJob } from '../jobs';
import { expireQuarantine } from '../use-cases/expire-quarantine';

/** quarantine.expire: a thin adapter over expireQuarantine. */
export const expireQuarantineHandler = (services: Services): JobHandler<{ tenantId?: string | undefined }> =>
  handler(expireQuarantineJob, async (p) => ({ status: 'done', detail: await expireQuarantine(services, p) }));
