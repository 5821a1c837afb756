import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import type { Ctx } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { AppError, conflict, notFound } from '../../../platform/errors';
import { queueIdSchema } from '../../jobs';
import { recordEvent } from '../../repositories/messages';
import { authorizeTenant } from '../../policy/use-cases/access';
import { processOutboundJob } from '../jobs';
import { QUEUE_PAGE_MAX } from '../limits';
import {
  deleteSuspension,
  findOutbound,
  findSuspension,
  listNotifications,
  listOutbound,
  listSuspensions,
  recipientsOf,
  transitionOutbound,
  type OutboundMessageRow,
  type OutboundRecipientRow,
} from '../repositories/outbound';

/**
 * The outbound queue of a tenant, for its admins and the operators: list (held, deferred, failed,
 * queued, done), show, release a held message, delete a held or deferred one, lift an account's sending
 * suspension, and the notifications of holds. A message of another tenant answers like a missing one.
 */
export const QUEUE_STATES = ['held', 'deferred', 'failed', 'queued', 'done'] as const;

export const listOutboundQueueInput = z.strictObject({
  tenantId: z.uuid(),
  state: z.enum(QUEUE_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(QUEUE_PAGE_MAX).default(50),
  cursor: queueIdSchema.optional(),
});
export type ListOutboundQueueInput = z.input<typeof listOutboundQueueInput>;

// any id up to the queue id's length: one that is not a queue id answers 404 like a missing one
export const outboundMessageInput = z.strictObject({ tenantId: z.uuid(), queueId: z.string().min(1).max(40) });
export type OutboundMessageInput = z.infer<typeof outboundMessageInput>;

function present(m: OutboundMessageRow, recipients?: OutboundRecipientRow[]) {
  return {
    queueId: m.queue_id,
    tenantId: m.tenant_id,
    accountId: m.account_id,
    account: m.username,
    mailFrom: m.mail_from,
    messageId: m.message_id,
    sizeBytes: m.size_bytes,
    status: m.status,
    holdReason: m.hold_reason,
    holdDetail: m.hold_detail,
    releasedBy: m.released_by,
    releasedAt: m.released_at,
    attempts: m.attempts,
    lastError: m.last_error,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    ...(recipients
      ? {
          recipients: recipients.map((r) => ({
            recipient: r.recipient,
            route: r.route,
            status: r.status,
            attempts: r.attempts,
            lastCode: r.last_code,
            lastError: r.last_error,
            updatedAt: r.updated_at,
          })),
        }
      : {}),
  };
}
export type OutboundMessage = ReturnType<typeof present>;

export async function listOutboundQueue(ctx: Ctx, raw: ListOutboundQueueInput) {
  const input = listOutboundQueueInput.parse(raw);
  await authorizeTenant(ctx, ctx.db, 'outbound.read', input.tenantId);
  const rows = await listOutbound(ctx.db, { tenantId: input.tenantId, state: input.state, limit: input.limit + 1, after: input.cursor });
  const page = rows.slice(0, input.limit);
  return { items: page.map((m) => present(m)), nextCursor: rows.length > input.limit ? page[page.length - 1]!.queue_id : null };
}

async function load(ctx: Ctx, input: OutboundMessageInput, permission: 'outbound.read' | 'outbound.release' | 'outbound.write') {
  await authorizeTenant(ctx, ctx.db, permission, input.tenantId);
  const row = queueIdSchema.safeParse(input.queueId).success ? await findOutbound(ctx.db, input.queueId) : undefined;
  if (!row || row.tenant_id !== input.tenantId) throw notFound('outbound message', input.queueId);
  return row;
}

export async function getOutboundMessage(ctx: Ctx, raw: OutboundMessageInput) {
  const input = outboundMessageInput.parse(raw);
  const row = await load(ctx, input, 'outbound.read');
  return present(row, await recipientsOf(ctx.db, row.queue_id));
}

/**
 * Releases a held message: it is queued again and sent without a new rate or spam hold (the admin has
 * looked at it). A virus is never released. Audited; the job follows the commit.
 */
export async function releaseOutbound(ctx: Ctx, raw: OutboundMessageInput) {
  const input = outboundMessageInput.parse(raw);
  const row = await load(ctx, input, 'outbound.release');
  if (row.status !== 'held') throw conflict(`message ${row.queue_id} is ${row.status}, not held`);
  if (row.hold_reason === 'virus') throw new AppError('forbidden', 'a message held for a virus is never released; delete it');
  const now = nowIso();
  await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const moved = await transitionOutbound(trx, row.queue_id, ['held'], {
      status: 'queued',
      released_by: ctx.actor.label,
      released_at: now,
      updated_at: now,
    });
    if (!moved) throw conflict(`message ${row.queue_id} changed meanwhile; look again`);
    await appendAudit(trx, ctx.actor, {
      action: 'outbound.released',
      tenantId: row.tenant_id,
      target: { type: 'outbound_message', id: row.queue_id },
      before: { status: 'held', reason: row.hold_reason },
      after: { status: 'queued' },
    });
    await recordEvent(trx, {
      queueId: row.queue_id,
      messageId: row.message_id,
      tenantId: row.tenant_id,
      stage: 'released',
      receivedAt: row.created_at,
      detail: { by: ctx.actor.label },
    });
    afterCommit(async () => {
      // the job of this message has finished (with the hold): remove it so that the same id runs again
      await ctx.queue.forgetFinished('filters', `out-${row.queue_id}`);
      await ctx.queue.ensure(processOutboundJob, { queueId: row.queue_id });
    });
  });
  return getOutboundMessage(ctx, input);
}

/** Deletes a held or waiting message for good (the spool file goes with the next run of its job or the sweep). */
export async function deleteOutbound(ctx: Ctx, raw: OutboundMessageInput) {
  const input = outboundMessageInput.parse(raw);
  const row = await load(ctx, input, 'outbound.write');
  if (row.status === 'done' || row.status === 'deleted') throw conflict(`message ${row.queue_id} is ${row.status} already`);
  await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const moved = await transitionOutbound(trx, row.queue_id, ['held', 'queued'], { status: 'deleted', updated_at: nowIso() });
    if (!moved) throw conflict(`message ${row.queue_id} changed meanwhile; look again`);
    await appendAudit(trx, ctx.actor, {
      action: 'outbound.deleted',
      tenantId: row.tenant_id,
      target: { type: 'outbound_message', id: row.queue_id },
      before: { status: row.status, reason: row.hold_reason },
    });
    afterCommit(async () => {
      // a waiting retry runs now and removes the spool file (it sees the row deleted)
      await ctx.queue.forgetFinished('filters', `out-${row.queue_id}`);
      await ctx.queue.ensure(processOutboundJob, { queueId: row.queue_id });
    });
  });
}

export const suspensionInput = z.strictObject({ tenantId: z.uuid(), accountId: z.uuid() });

export async function listOutboundSuspensions(ctx: Ctx, input: { tenantId: string }) {
  await authorizeTenant(ctx, ctx.db, 'outbound.read', input.tenantId);
  const rows = await listSuspensions(ctx.db, input.tenantId);
  return { items: rows.map((r) => ({ accountId: r.account_id, reason: r.reason, queueId: r.queue_id, createdAt: r.created_at })) };
}

/** Lifts an account's sending suspension; an account that is not suspended answers lifted: false (idempotent). */
export async function liftSuspension(ctx: Ctx, raw: z.input<typeof suspensionInput>): Promise<{ lifted: boolean }> {
  const input = suspensionInput.parse(raw);
  await authorizeTenant(ctx, ctx.db, 'outbound.write', input.tenantId);
  const s = await findSuspension(ctx.db, input.accountId);
  if (!s || s.tenant_id !== input.tenantId) return { lifted: false };
  await inTransaction(ctx.db, async ({ trx }) => {
    await deleteSuspension(trx, input.accountId);
    await appendAudit(trx, ctx.actor, {
      action: 'outbound.account.resumed',
      tenantId: input.tenantId,
      target: { type: 'account', id: input.accountId },
      before: { reason: s.reason, queueId: s.queue_id },
    });
  });
  return { lifted: true };
}

export async function listOutboundNotifications(ctx: Ctx, input: { tenantId: string; limit?: number }) {
  await authorizeTenant(ctx, ctx.db, 'outbound.read', input.tenantId);
  const rows = await listNotifications(ctx.db, input.tenantId, Math.min(input.limit ?? 50, QUEUE_PAGE_MAX));
  return {
    items: rows.map((n) => ({
      id: n.id,
      event: n.event,
      accountId: n.account_id,
      queueId: n.queue_id,
      detail: JSON.parse(n.detail) as unknown,
      createdAt: n.created_at,
    })),
  };
}
