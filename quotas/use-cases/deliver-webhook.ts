import { z } from 'zod';
import { AppError } from '../../platform/errors';
import type { Services } from '../../platform/context';
import type { JobOutcome } from '../../platform/queue';
import { guardedFetch } from '../../platform/outbound';
import { WEBHOOK_TIMEOUT_MS } from '../limits';
import * as repo from '../repositories/usage';

/**
 * Job quota.webhook: POSTs one notification to the tenant's webhook as JSON. A network error or a
 * non-2xx answer throws, and BullMQ retries with the platform's exponential backoff; each attempt is
 * counted on the notification row, which the portal shows with its status.
 */
export const WebhookBody = z.object({
  id: z.number(),
  event: z.string(),
  tenantId: z.string(),
  accountId: z.string().nullable(),
  address: z.string(),
  threshold: z.number(),
  usedBytes: z.number(),
  allocationBytes: z.number(),
  createdAt: z.string(),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

export async function deliverWebhook(
  deps: Pick<Services, 'db' | 'logger' | 'config'>,
  job: { tenantId: string; notificationId: number },
  opts: { lastAttempt?: boolean } = {},
): Promise<JobOutcome> {
  const n = await repo.findNotification(deps.db, job.notificationId);
  // gone, or a job queued against another database
  if (!n || n.tenant_id !== job.tenantId) return { status: 'skipped', detail: 'notification not found' };
  const url = await repo.webhookUrlOf(deps.db, n.tenant_id);
  if (!url) {
    await repo.markWebhook(deps.db, n.id, { status: 'none', error: 'no webhook configured any more' });
    return { status: 'skipped', detail: 'no webhook configured' };
  }
  const body: WebhookBody = {
    id: n.id,
    event: n.event,
    tenantId: n.tenant_id,
    accountId: n.account_id,
    address: n.address,
    threshold: n.threshold,
    usedBytes: n.used_bytes,
    allocationBytes: n.allocation_bytes,
    createdAt: n.created_at,
  };
  let problem: string | null = null;
  try {
    // resolved once, checked and connected to that address (platform/outbound.ts)
    const res = await guardedFetch(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Postwerk-Webhook/1', 'x-postwerk-event': n.event },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      },
      { allowPrivate: deps.config.webhookAllowPrivate, setting: 'POSTWERK_WEBHOOK_ALLOW_PRIVATE' },
    );
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) problem = `HTTP ${res.status}`;
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem) {
    await repo.markWebhook(deps.db, n.id, { status: opts.lastAttempt ? 'failed' : 'pending', error: problem });
    deps.logger.warn({ notificationId: n.id, tenantId: n.tenant_id, problem }, 'quota webhook failed');
    throw new AppError('unavailable', `webhook ${url} answered ${problem}`);
  }
  await repo.markWebhook(deps.db, n.id, { status: 'sent', error: null });
  return { status: 'done', detail: { url } };
}
