// Reading messages through imapflow: metadata listings, bodies by UID range (small messages)
// and streamed downloads (large ones), always BODY.PEEK on a mailbox opened read-only at the
// source, so no \Seen is ever set there.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { DOWNLOAD_CHUNK_BYTES, FETCH_MAX_BYTES, FETCH_UID_CHUNK, SMALL_MESSAGE_BYTES } from '../limits';
import { chunk, compressUids } from '../../platform/mail/uidset';
import { MigratorError } from '../errors';

export interface MessageMeta {
  uid: number;
  size: number;
  flags: string[];
  internalDate?: Date;
  modseq?: string;
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Flags as a comparable list: no \Recent (session flag), sorted, system flags case-normalized. */
export function normalizeFlags(flags: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const f of flags) {
    if (!f || /^\\recent$/i.test(f)) continue;
    out.add(f.startsWith('\\') ? '\\' + f.charAt(1).toUpperCase() + f.slice(2).toLowerCase() : f);
  }
  return [...out].sort();
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

/**
 * imapflow drops the selected mailbox when its connection closes; a listing would then look
 * like an empty folder. A dropped connection is an error to retry, never "no messages".
 */
export function assertSelected(client: ImapFlow): void {
  if (!client.usable) throw new MigratorError('MIGRATOR_CONNECTION', 'connection not available');
  if (!client.mailbox) throw new MigratorError('MIGRATOR_CONNECTION', 'mailbox no longer selected');
}

/** Whether `path` exists (STATUS); a dropped connection throws (to be retried), never "no such folder". */
export async function folderExists(client: ImapFlow, path: string): Promise<boolean> {
  let exists = true;
  await client.status(path, { messages: true }).catch((err: unknown) => {
    if (!client.usable) throw err;
    exists = false;
  });
  return exists;
}

/** UID, FLAGS, RFC822.SIZE, INTERNALDATE (and MODSEQ) of a range, streamed. */
export async function listMessages(
  client: ImapFlow,
  range: string,
  opts: { changedSince?: bigint; withDate?: boolean } = {},
): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  assertSelected(client);
  if ((client.mailbox as { exists?: number }).exists === 0) return out;
  const expected = opts.changedSince === undefined && range === '1:*' ? Number((client.mailbox as { exists?: number }).exists ?? 0) : 0;
  for await (const m of client.fetch(
    range,
    { uid: true, flags: true, size: true, internalDate: opts.withDate !== false },
    { uid: true, changedSince: opts.changedSince },
  )) {
    if (!m.uid) continue;
    out.push({
      uid: m.uid,
      size: m.size ?? 0,
      flags: normalizeFlags(m.flags ?? []),
      internalDate: m.internalDate ? new Date(m.internalDate) : undefined,
      modseq: m.modseq !== undefined ? String(m.modseq) : undefined,
    });
  }
  if (!client.usable) throw new MigratorError('MIGRATOR_CONNECTION', 'connection dropped during FETCH');
  if (out.length < expected) throw new MigratorError('MIGRATOR_CONNECTION', `listing returned ${out.length} of ${expected} messages`);
  return out;
}

/** The UIDs of a range of the selected mailbox (UID FETCH <set> (UID)), in the server's order. */
export async function listUids(client: ImapFlow, range: string): Promise<number[]> {
  const out: number[] = [];
  assertSelected(client);
  if ((client.mailbox as { exists?: number }).exists === 0) return out;
  for await (const m of client.fetch(range, { uid: true }, { uid: true })) if (m.uid) out.push(m.uid);
  if (!client.usable) throw new MigratorError('MIGRATOR_CONNECTION', 'connection dropped during FETCH');
  return out;
}

/** UID SEARCH UID <set>: a failed search throws, it is never "none" (deletion propagation relies on it). */
export async function searchUids(client: ImapFlow, range: string): Promise<Set<number>> {
  assertSelected(client);
  const uids = await client.search({ uid: range }, { uid: true });
  if (!Array.isArray(uids)) {
    assertSelected(client);
    throw new MigratorError('MIGRATOR_CONNECTION', `UID SEARCH UID ${range} failed: the source UID list is unknown`);
  }
  return new Set(uids);
}

/**
 * Streams small message bodies in UID-range FETCHes; yields each one as a Buffer.
 * A UID the server no longer has is simply not yielded.
 */
export async function* fetchSmallBodies(
  client: ImapFlow,
  metas: readonly Pick<MessageMeta, 'uid' | 'size'>[],
): AsyncGenerator<{ uid: number; body: Buffer }> {
  for (const part of fetchGroups(metas)) {
    assertSelected(client);
    const got = new Set<number>();
    const masked: Array<{ uid: number; body: Buffer }> = [];
    for await (const m of client.fetch(compressUids(part), { uid: true, source: true }, { uid: true })) {
      if (m.uid && m.source && !got.has(m.uid)) {
        got.add(m.uid);
        if (mayHideNul(client, m.source)) masked.push({ uid: m.uid, body: m.source });
        else yield { uid: m.uid, body: m.source };
      }
    }
    await ensureComplete(client, part, got);
    for (const m of masked) yield { uid: m.uid, body: await withNul(client, m.uid, m.body) };
  }
}

/**
 * Dovecot answers BODY[] with every NUL byte turned into 0x80: a message with a binary part holding
 * NULs would be copied (and verified) damaged. 0x80 in a body that is not UTF-8 is the sign; with BINARY
 * the message is read again by BINARY[], which keeps NULs but also decodes base64 and quoted-printable
 * parts, so it is taken only where it differs from BODY[] by NULs in place of 0x80 and nothing else.
 */
function mayHideNul(client: ImapFlow, body: Buffer): boolean {
  return client.capabilities.has('BINARY') && body.includes(0x80) && !body.includes(0) && !isUtf8(body);
}

async function withNul(client: ImapFlow, uid: number, body: Buffer): Promise<Buffer> {
  let bin: Buffer | undefined;
  for await (const m of client.fetch(String(uid), { uid: true, source: true }, { uid: true, binary: true }))
    if (m.uid === uid) bin = m.source;
  if (!bin || bin.length !== body.length || !bin.includes(0)) return body;
  for (let i = 0; i < bin.length; i++) if (bin[i] !== body[i] && !(bin[i] === 0 && body[i] === 0x80)) return body;
  return bin;
}

/**
 * UID groups for one FETCH each: at most FETCH_UID_CHUNK messages and FETCH_MAX_BYTES, since
 * the server streams a whole FETCH answer and what the consumer has not taken yet waits in memory.
 */
export function fetchGroups(metas: readonly Pick<MessageMeta, 'uid' | 'size'>[]): number[][] {
  const groups: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  for (const m of metas) {
    if (cur.length && (cur.length >= FETCH_UID_CHUNK || bytes + m.size > FETCH_MAX_BYTES)) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m.uid);
    bytes += m.size;
  }
  if (cur.length) groups.push(cur);
  return groups;
}

/**
 * A FETCH cut short by a dropped connection can end without an error; a message that is
 * simply gone (expunged meanwhile) is fine. Anything else must not pass as done.
 */
export async function ensureComplete(client: ImapFlow, asked: readonly number[], got: ReadonlySet<number>): Promise<void> {
  if (got.size >= asked.length) return;
  if (!client.usable) throw new MigratorError('MIGRATOR_CONNECTION', 'connection dropped during FETCH');
  const absent = asked.filter((u) => !got.has(u));
  const still = await client.search({ uid: compressUids(absent) }, { uid: true });
  // imapflow answers a failed SEARCH with false: not knowing is not "expunged meanwhile"
  if (!Array.isArray(still)) {
    assertSelected(client);
    throw new MigratorError('MIGRATOR_CONNECTION', `UID SEARCH failed while checking ${absent.length} message(s) FETCH did not return`);
  }
  if (still.length) throw new MigratorError('MIGRATOR_CONNECTION', `server answered FETCH without ${still.length} existing message(s)`);
}

/** Streams one message, hashing it and optionally spooling it to `file`. */
export async function streamMessage(
  client: ImapFlow,
  uid: number,
  file?: string,
): Promise<{ sha256: string; size: number; hasNul: boolean } | null> {
  assertSelected(client);
  const dl = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK_BYTES });
  if (!dl || !dl.content) {
    await ensureComplete(client, [uid], new Set());
    return null;
  }
  const hash = createHash('sha256');
  let size = 0;
  let hasNul = false;
  const tap = new Transform({
    transform(c: Buffer, _e, cb) {
      hash.update(c);
      size += c.length;
      if (!hasNul && c.includes(0)) hasNul = true;
      cb(null, file ? c : undefined);
    },
  });
  if (file) await pipeline(dl.content, tap, createWriteStream(file));
  else {
    tap.resume();
    await pipeline(dl.content, tap);
  }
  return { sha256: hash.digest('hex'), size, hasNul };
}

/** SHA-256 of each message (small ones by range, large ones streamed); memory stays flat. */
export async function hashMessages(
  client: ImapFlow,
  metas: readonly Pick<MessageMeta, 'uid' | 'size'>[],
  onHash: (uid: number, sha: string, size: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const small = metas.filter((m) => m.size <= SMALL_MESSAGE_BYTES);
  const large = metas.filter((m) => m.size > SMALL_MESSAGE_BYTES).map((m) => m.uid);
  for await (const { uid, body } of fetchSmallBodies(client, small)) {
    onHash(uid, sha256(body), body.length);
    if (signal?.aborted) throw new MigratorError('MIGRATOR_ABORTED', 'aborted');
  }
  for (const uid of large) {
    if (signal?.aborted) throw new MigratorError('MIGRATOR_ABORTED', 'aborted');
    const r = await streamMessage(client, uid);
    if (r) onHash(uid, r.sha256, r.size);
  }
}

export interface EnvelopeInfo {
  uid: number;
  messageId?: string;
  date?: string;
  subject?: string;
  size: number;
}

/** Message-ID, Date, Subject and size for a few UIDs (reporting missing messages). */
export async function envelopes(client: ImapFlow, uids: readonly number[]): Promise<Map<number, EnvelopeInfo>> {
  const out = new Map<number, EnvelopeInfo>();
  for (const part of chunk(uids, FETCH_UID_CHUNK)) {
    for await (const m of client.fetch(compressUids(part), { uid: true, envelope: true, size: true, internalDate: true }, { uid: true })) {
      if (!m.uid) continue;
      const env = m.envelope;
      out.set(m.uid, {
        uid: m.uid,
        messageId: env?.messageId || undefined,
        date: env?.date ? new Date(env.date).toISOString() : m.internalDate ? new Date(m.internalDate).toISOString() : undefined,
        subject: env?.subject || undefined,
        size: m.size ?? 0,
      });
    }
  }
  return out;
}
