import type { Knex } from 'knex';
import type { MessageEventRow } from '../../repositories/messages';

/**
 * Read-only SQL over the pipeline's trace (`message_events`, written by filters/repositories/messages.ts):
 * which messages match a support question, then every event of those messages.
 */
export interface TraceFilter {
  queueId?: string | undefined;
  /** with or without the angle brackets */
  messageIds?: string[] | undefined;
  recipient?: string | undefined;
  /** only messages with an event of this tenant (message-level events have no tenant: they follow their message) */
  visibleTo?: string | undefined;
  /** [from, to) on the event time */
  from?: string | undefined;
  to?: string | undefined;
}

/** Queue ids of the matching messages, newest first. */
export async function matchingQueueIds(q: Knex, f: TraceFilter, limit: number): Promise<string[]> {
  const query = q('message_events').select('queue_id').max({ last: 'id' }).groupBy('queue_id');
  if (f.queueId) query.where('queue_id', f.queueId);
  if (f.messageIds?.length) query.whereIn('message_id', f.messageIds);
  if (f.recipient) query.where('recipient', f.recipient);
  if (f.visibleTo) query.whereIn('queue_id', q('message_events').select('queue_id').where('tenant_id', f.visibleTo));
  if (f.from) query.where('at', '>=', f.from);
  if (f.to) query.where('at', '<', f.to);
  const rows = (await query.orderBy('last', 'desc').limit(limit)) as Array<{ queue_id: string }>;
  return rows.map((r) => r.queue_id);
}

/** Every event of these messages, in the order they happened. */
export async function eventsOf(q: Knex, queueIds: string[], limitPerMessage: number): Promise<MessageEventRow[]> {
  if (!queueIds.length) return [];
  const rows = (await q<MessageEventRow>('message_events').whereIn('queue_id', queueIds).orderBy('id')) as MessageEventRow[];
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const n = (seen.get(r.queue_id) ?? 0) + 1;
    seen.set(r.queue_id, n);
    return n <= limitPerMessage;
  });
}
