import type { Redis } from 'ioredis';
import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import type { Ctx, Services } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { AppError } from '../../../platform/errors';
import { authorizeTenant } from '../../policy/use-cases/access';
import { findSettings, upsertSettings } from '../repositories/outbound';

/**
 * Sending limits: messages per account and per tenant within a fixed window, counted in Redis so that
 * every submission process counts the same messages. The platform's defaults (POSTWERK_OUTBOUND_*) apply
 * unless the tenant has its own (an operator or the tenant admin sets them). Over either limit the
 * message is accepted and held (not refused: a held message can be released, a refused one is gone).
 */
const KEY_PREFIX = 'postwerk:sending';

// KEYS: account key, tenant key; ARGV: window seconds. Answers {accountCount, tenantCount}.
const COUNT = `
local a = redis.call('INCR', KEYS[1])
local t = redis.call('INCR', KEYS[2])
if a == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if t == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {a, t}
`;

export interface EffectiveLimits {
  accountLimit: number;
  tenantLimit: number;
  windowSeconds: number;
  autoSuspend: boolean;
}

export async function effectiveLimits(deps: Pick<Services, 'db' | 'config'>, tenantId: string): Promise<EffectiveLimits> {
  const s = await findSettings(deps.db, tenantId);
  const d = deps.config.outbound;
  return {
    accountLimit: s?.account_limit ?? d.accountLimit,
    tenantLimit: s?.tenant_limit ?? d.tenantLimit,
    windowSeconds: d.windowSeconds,
    autoSuspend: Boolean(s?.auto_suspend),
  };
}

/** Counts one message; answers why it must be held, or null. Redis down: unavailable (451, the client retries). */
export async function countMessage(
  redis: Redis,
  limits: EffectiveLimits,
  who: { accountId: string; tenantId: string },
  now = Date.now(),
): Promise<string | null> {
  const window = Math.floor(now / 1000 / limits.windowSeconds);
  let counts: number[];
  try {
    counts = (await redis.eval(
      COUNT,
      2,
      `${KEY_PREFIX}:account:${who.accountId}:${window}`,
      `${KEY_PREFIX}:tenant:${who.tenantId}:${window}`,
      limits.windowSeconds,
    )) as number[];
  } catch (e) {
    throw new AppError('unavailable', 'Sending limit store unavailable, try again later', undefined, { cause: e });
  }
  const [a = 0, t = 0] = counts;
  if (a > limits.accountLimit) return `account sent ${a} messages within ${limits.windowSeconds} s (limit ${limits.accountLimit})`;
  if (t > limits.tenantLimit) return `tenant sent ${t} messages within ${limits.windowSeconds} s (limit ${limits.tenantLimit})`;
  return null;
}

export const setSendingLimitsInput = z.strictObject({
  tenantId: z.uuid(),
  /** messages per account per window; null: the platform's default */
  accountLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
  tenantLimit: z.number().int().min(1).max(100_000_000).nullable().optional(),
  /** suspend an account's sending when one of its messages is held for the rate limit, spam or a virus */
  autoSuspend: z.boolean().optional(),
});
export type SetSendingLimitsInput = z.input<typeof setSendingLimitsInput>;

export async function getSendingLimits(ctx: Ctx, input: { tenantId: string }) {
  await authorizeTenant(ctx, ctx.db, 'outbound.read', input.tenantId);
  const l = await effectiveLimits(ctx, input.tenantId);
  const s = await findSettings(ctx.db, input.tenantId);
  return { tenantId: input.tenantId, ...l, isDefault: !s || (s.account_limit === null && s.tenant_limit === null) };
}

export async function setSendingLimits(ctx: Ctx, raw: SetSendingLimitsInput) {
  const input = setSendingLimitsInput.parse(raw);
  await authorizeTenant(ctx, ctx.db, 'outbound.write', input.tenantId);
  await inTransaction(ctx.db, async ({ trx }) => {
    const before = await findSettings(trx, input.tenantId);
    const row = {
      tenant_id: input.tenantId,
      account_limit: input.accountLimit === undefined ? (before?.account_limit ?? null) : input.accountLimit,
      tenant_limit: input.tenantLimit === undefined ? (before?.tenant_limit ?? null) : input.tenantLimit,
      auto_suspend: input.autoSuspend === undefined ? (before?.auto_suspend ?? 0) : input.autoSuspend ? 1 : 0,
      updated_at: nowIso(),
    };
    await upsertSettings(trx, row);
    await appendAudit(trx, ctx.actor, {
      action: 'outbound.limits.set',
      tenantId: input.tenantId,
      target: { type: 'tenant', id: input.tenantId },
      before: before ?? null,
      after: row,
    });
  });
  return getSendingLimits(ctx, { tenantId: input.tenantId });
}
