import { z } from 'zod';
import type { Ctx } from '../../../platform/context';
import { invalid } from '../../../platform/errors';
import { requirePermission } from '../../../platform/permissions';
import { assertTenantAccess } from '../../../platform/actor';
import type { MessageEventRow } from '../../repositories/messages';
import { eventsOf, matchingQueueIds } from '../repositories/trace';
import { DEFAULT_RECIPIENT_WINDOW_MS, MAX_EVENTS_PER_MESSAGE, MAX_TRACED_MESSAGES } from '../limits';

export const traceMessagesInput = z
  .strictObject({
    queueId: z.string().min(1).max(40).optional(),
    messageId: z.string().min(1).max(998).optional(),
    recipient: z.string().trim().toLowerCase().min(3).max(320).optional(),
    /** [from, to) on the event times */
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** operators and support: only this tenant's messages (a tenant admin always sees only its own) */
    tenantId: z.uuid().optional(),
    limit: z.number().int().min(1).max(MAX_TRACED_MESSAGES).default(20),
  })
  .refine((v) => v.queueId || v.messageId || v.recipient, { message: 'give a queueId, a messageId or a recipient (with a time range)' });
export type TraceMessagesInput = z.input<typeof traceMessagesInput>;

export interface TraceEvent {
  stage: string;
  at: string;
  /** since the message was accepted */
  elapsedMs: number | null;
  recipient: string | null;
  detail: unknown;
}

export interface TracedMessage {
  queueId: string;
  messageId: string | null;
  acceptedAt: string | null;
  events: TraceEvent[];
}

/**
 * A message's path for support: accepted, scanned (verdict, score, symbols), routed, delivered,
 * quarantined, released or failed, with the time of each step since acceptance. Found by queue ID,
 * Message-ID, or recipient and time range (the last seven days by default), newest message first.
 *
 * A tenant admin sees only messages with an event of its tenant, and of those only the events of its
 * own recipients and of the whole message; the recipients of other tenants in the acceptance event are
 * left out.
 */
export async function traceMessages(ctx: Ctx, input: TraceMessagesInput): Promise<{ items: TracedMessage[] }> {
  const p = traceMessagesInput.parse(input);
  requirePermission(ctx.actor, 'mail.trace');
  if (p.tenantId) assertTenantAccess(ctx.actor, p.tenantId, 'tenant', p.tenantId);
  const tenantId = ctx.actor.tenantId ?? p.tenantId;
  const from = p.from
    ? new Date(p.from).toISOString()
    : p.recipient && !p.queueId
      ? new Date(Date.now() - DEFAULT_RECIPIENT_WINDOW_MS).toISOString()
      : undefined;
  const to = p.to ? new Date(p.to).toISOString() : undefined;
  if (from && to && from >= to) throw invalid('from must be before to');
  const messageIds = p.messageId ? messageIdForms(p.messageId) : undefined;

  const ids = await matchingQueueIds(
    ctx.db,
    { queueId: p.queueId, messageIds, recipient: p.recipient, from, to, visibleTo: tenantId },
    p.limit,
  );
  const events = await eventsOf(ctx.db, ids, MAX_EVENTS_PER_MESSAGE);
  const byQueue = new Map<string, MessageEventRow[]>();
  for (const e of events) (byQueue.get(e.queue_id) ?? byQueue.set(e.queue_id, []).get(e.queue_id)!).push(e);

  const items: TracedMessage[] = [];
  for (const queueId of ids) {
    let evs = byQueue.get(queueId) ?? [];
    if (tenantId) {
      if (!evs.some((e) => e.tenant_id === tenantId)) continue;
      const own = new Set(evs.filter((e) => e.tenant_id === tenantId && e.recipient).map((e) => e.recipient!));
      evs = evs.filter((e) => e.tenant_id === tenantId || e.tenant_id === null);
      items.push(present(queueId, evs, own));
    } else {
      items.push(present(queueId, evs, null));
    }
  }
  return { items };
}

function present(queueId: string, evs: MessageEventRow[], onlyRecipients: Set<string> | null): TracedMessage {
  const accepted = evs.find((e) => e.stage === 'accepted');
  return {
    queueId,
    messageId: evs.find((e) => e.message_id)?.message_id ?? null,
    acceptedAt: accepted?.at ?? null,
    events: evs.map((e) => ({
      stage: e.stage,
      at: e.at,
      elapsedMs: e.elapsed_ms === null ? null : Number(e.elapsed_ms),
      recipient: e.recipient,
      detail: scrub(parse(e.detail), onlyRecipients),
    })),
  };
}

function parse(detail: string | null): unknown {
  if (detail === null) return null;
  try {
    return JSON.parse(detail);
  } catch {
    return detail;
  }
}

/** Another tenant's recipients never show in a tenant admin's trace. */
function scrub(detail: unknown, onlyRecipients: Set<string> | null): unknown {
  if (!onlyRecipients || !detail || typeof detail !== 'object' || !('recipients' in detail)) return detail;
  const d = detail as { recipients: unknown };
  return Array.isArray(d.recipients)
    ? { ...d, recipients: d.recipients.filter((r) => onlyRecipients.has(String(r).toLowerCase())) }
    : detail;
}

/** Message-IDs are stored as the header has them; support pastes them with or without <>. */
function messageIdForms(id: string): string[] {
  const bare = id.trim().replace(/^<|>$/g, '');
  return [bare, `<${bare}>`];
}
