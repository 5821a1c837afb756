import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid, notFound } from '../../platform/errors';
import { MAX_WEBHOOK_URL_LENGTH } from '../limits';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/**
 * A tenant's webhook for quota events (warnings): every notification is POSTed there as JSON by a
 * job with retries (webhook.ts). `null` removes it. Only http and https URLs.
 */
export function checkWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('url: not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('url: must be an http or https URL');
  if (url.length > MAX_WEBHOOK_URL_LENGTH) throw invalid(`url: at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (u.username || u.password) throw invalid('url: credentials in the URL are not accepted');
  return u.toString();
}

export const setWebhookInput = z.strictObject({
  tenantId: z.uuid(),
  url: z
    .url({ protocol: /^https?$/ })
    .max(MAX_WEBHOOK_URL_LENGTH)
    .nullable(),
});
export type SetWebhookInput = z.infer<typeof setWebhookInput>;

export const Webhook = z.object({ tenantId: z.string(), url: z.string().nullable() });
export type Webhook = z.infer<typeof Webhook>;

export async function setWebhook(ctx: Ctx, input: SetWebhookInput): Promise<Webhook> {
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  const url = input.url === null ? null : checkWebhookUrl(input.url);
  return inTransaction(ctx.db, async ({ trx }) => {
    await repo.takeWriteLock(trx);
    if (!(await allocations.findTenantPool(trx, input.tenantId))) throw notFound('tenant', input.tenantId);
    const before = await repo.webhookUrlOf(trx, input.tenantId);
    if (before !== url) {
      await repo.saveWebhookUrl(trx, input.tenantId, url, nowIso());
      await appendAudit(trx, ctx.actor, {
        action: 'quota.webhook.changed',
        tenantId: input.tenantId,
        target: { type: 'tenant', id: input.tenantId },
        before: { url: before },
        after: { url },
      });
    }
    return { tenantId: input.tenantId, url };
  });
}
