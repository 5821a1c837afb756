import { handler, type JobHandler } from '../../platform/queue';
import type { Services } from '../../platform/context';
import { collectUsageJob, reconcileJob, webhookJob } from '../jobs';
import { collectUsage } from '../use-cases/collect-usage';
import { reconcileUsage } from '../use-cases/reconcile-usage';
import { deliverWebhook } from '../use-cases/deliver-webhook';
import { COLLECT_EVERY_MS, RECONCILE_EVERY_MS } from '../limits';

/** The quotas module's job handlers (queue `quotas`): three-line adapters over quotas/. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function quotaJobHandlers(services: Services): JobHandler<any>[] {
  return [
    handler(collectUsageJob, async (p) => ({ status: 'done', detail: await collectUsage(services, p) })),
    handler(reconcileJob, async (p) => ({ status: 'done', detail: await reconcileUsage(services, p) })),
    handler(webhookJob, (p, job) => deliverWebhook(services, p, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) })),
  ];
}

/** Usage collection every few minutes, reconciliation daily. */
export async function ensureQuotaSchedules(services: Services): Promise<void> {
  await services.queue.schedule(collectUsageJob, 'quota.usage-collect', { everyMs: COLLECT_EVERY_MS }, {});
  await services.queue.schedule(reconcileJob, 'quota.reconcile', { everyMs: RECONCILE_EVERY_MS }, {});
}
