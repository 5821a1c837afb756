// Reading messages off Dovecot for a backup pass: metadata by UID ranges, bodies of small messages in one
// FETCH per batch, large ones streamed in partial FETCHes so a 30 MB message never sits in memory whole.
// Every body read goes through here and is counted (the incremental-pass test and the benchmark read the
// counters: an unchanged mailbox must cost no body read at all).
import { Readable } from 'node:stream';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { NewMessageRow } from '../repositories/index-rows';

export interface BodyCounters {
  /** message bodies requested from the server (FETCH BODY.PEEK[] of a message, or its first partial) */
  bodiesFetched: number;
  bytesFetched: number;
}

/** Process-wide totals, for tests and the benchmark; each pass also reports its own. */
export const bodyCounters: BodyCounters = { bodiesFetched: 0, bytesFetched: 0 };

export interface MessageMeta {
  uid: number;
  size: number;
  flags: string[];
  internalDate: string;
  modseq: string | null;
  messageId: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  sentAt: string | null;
}

/** Flags as the index keeps them: sorted, without \Recent (a session property, not the message's). */
export function normalizeFlags(flags: Iterable<string> | undefined): string[] {
  return [...(flags ?? [])].filter((f) => f.toLowerCase() !== '\\recent').sort();
}

type Address = { name?: string; address?: string };
const addresses = (list: Address[] | undefined): string | null =>
  list && list.length ? list.map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? ''))).join(', ') : null;

const iso = (d: unknown): string | null => {
  if (!d) return null;
  const t = new Date(d as string);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
};

export function metaOf(m: FetchMessageObject): MessageMeta {
  const env = m.envelope;
  return {
    uid: m.uid,
    size: m.size ?? 0,
    flags: normalizeFlags(m.flags),
    internalDate: iso(m.internalDate) ?? new Date(0).toISOString(),
    modseq: m.modseq !== undefined ? String(m.modseq) : null,
    messageId: env?.messageId ? env.messageId.slice(0, 998) : null,
    subject: env?.subject ?? null,
    from: addresses(env?.from as Address[] | undefined),
    to: addresses(env?.to as Address[] | undefined),
    sentAt: iso(env?.date),
  };
}

export function indexRow(
  meta: MessageMeta,
  where: { tenantId: string; accountId: string; folderId: number; folder: string; uidValidity: number },
  hash: string,
  seenAt: string,
): NewMessageRow {
  return {
    tenant_id: where.tenantId,
    account_id: where.accountId,
    folder_id: where.folderId,
    folder: where.folder,
    uidvalidity: where.uidValidity,
    uid: meta.uid,
    hash,
    size: meta.size,
    internal_date: meta.internalDate,
    flags: JSON.stringify(meta.flags),
    modseq: meta.modseq,
    message_id: meta.messageId,
    subject: meta.subject,
    from_addr: meta.from,
    to_addr: meta.to,
    sent_at: meta.sentAt,
    first_seen: seenAt,
  };
}

/** Metadata (no body) of the messages in `range` of the selected folder. */
export async function listMeta(client: ImapFlow, range: string): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  for await (const m of client.fetch(range, { uid: true, flags: true, size: true, internalDate: true, envelope: true }, { uid: true })) {
    out.push(metaOf(m));
  }
  return out;
}

/** UIDs and flags of `range`, optionally only those changed since a MODSEQ (CONDSTORE). */
export async function listFlags(
  client: ImapFlow,
  range: string,
  changedSince: bigint | null,
): Promise<Array<{ uid: number; flags: string[] }>> {
  const out: Array<{ uid: number; flags: string[] }> = [];
  const opts = changedSince !== null ? { uid: true, changedSince } : { uid: true };
  for await (const m of client.fetch(range, { uid: true, flags: true }, opts)) out.push({ uid: m.uid, flags: normalizeFlags(m.flags) });
  return out;
}

/**
 * Bodies of `uids` in one FETCH; `onBody` may wait (the FETCH is paced by it, so memory stays bounded by
 * what the caller lets pile up).
 */
export async function fetchBodies(
  client: ImapFlow,
  uidSet: string,
  counters: BodyCounters[],
  onBody: (uid: number, body: Buffer) => Promise<void>,
): Promise<void> {
  for await (const m of client.fetch(uidSet, { uid: true, source: true }, { uid: true })) {
    if (!m.source) continue;
    for (const c of counters) {
      c.bodiesFetched++;
      c.bytesFetched += m.source.length;
    }
    await onBody(m.uid, m.source);
  }
}

/**
 * One message as a stream of partial FETCHes (BODY.PEEK[]<start.len>): raw bytes as the server stores them,
 * never decoded, and never more than one piece in memory.
 */
export function streamBody(client: ImapFlow, uid: number, pieceBytes: number, counters: BodyCounters[]): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    let start = 0;
    for (;;) {
      const m = await client.fetchOne(String(uid), { uid: true, source: { start, maxLength: pieceBytes } }, { uid: true });
      const piece = m && m.source ? m.source : Buffer.alloc(0);
      if (!m) throw new Error(`message UID ${uid} vanished while it was read`);
      for (const c of counters) {
        if (start === 0) c.bodiesFetched++;
        c.bytesFetched += piece.length;
      }
      if (piece.length) yield piece;
      if (piece.length < pieceBytes) return;
      start += piece.length;
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}
