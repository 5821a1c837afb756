// The copy step of a folder pass: small messages by UID-range FETCH into MULTIAPPEND batches (the
// next batch read while the previous one is written), large ones streamed through a spool file (the
// next one read while the previous one is appended).
// A message whose bytes are already on the destination (found by hash) is recorded, not copied.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { MigratorError, errorMessage, isRetriable } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import type { AppendItem, RawImapConnection } from '../imap/raw-append';
import { MULTIAPPEND_MAX_BYTES, MULTIAPPEND_MAX_MESSAGES, SMALL_MESSAGE_BYTES } from '../limits';
import type { MessageRecord } from '../state/store';
import type { AppendLocator } from './append-locator';
import { type PassContext, checkAborted } from './context';
import type { FolderPassResult } from './folder-result';
import { type FlagFilter, groupByFlags } from './folder-plan';
import { setFlags } from './folder-flags';
import { type MessageMeta, fetchSmallBodies, hashMessages, sha256, streamMessage } from './messages';

/** Destination UIDs by content hash, for messages no record accounts for. */
export class HashPool {
  private readonly byHash = new Map<string, number[]>();
  add(hash: string, destUid: number): void {
    const l = this.byHash.get(hash);
    if (l) l.push(destUid);
    else this.byHash.set(hash, [destUid]);
  }
  take(hash: string): number | undefined {
    const l = this.byHash.get(hash);
    if (!l?.length) return undefined;
    const v = l.shift();
    if (!l.length) this.byHash.delete(hash);
    return v;
  }
}

export interface CopyContext {
  pc: PassContext;
  plan: FolderPlan;
  src: ImapFlow;
  dst: ImapFlow;
  writer: RawImapConnection;
  folderId: number;
  srcValidity: number;
  destEncoded: string;
  filterFlags: FlagFilter;
  pool: HashPool;
  /** Finds the destination UIDs of what an APPEND without APPENDUID stored. */
  locator: AppendLocator;
  result: FolderPassResult;
  log: Logger;
}

type Pending = { meta: MessageMeta; hash: string; item: AppendItem; file?: string };

export async function copyMessages(c: CopyContext, toCopy: readonly MessageMeta[]): Promise<void> {
  const { pc, src, dst, writer, result, filterFlags, pool, locator, log, srcValidity } = c;
  const { options, store, signal } = pc;
  const refused = new Map<number, string[]>();
  const prepare = (m: MessageMeta): string[] => {
    const { kept, refused: r } = filterFlags(m.flags);
    if (r.length) refused.set(m.uid, r);
    return kept;
  };
  // messages found on the destination by hash: their flags are set in one STORE per flag set,
  // then they are recorded (so a record never claims flags the destination lacks)
  const present: MessageRecord[] = [];
  const flushPresent = async (): Promise<void> => {
    const batch = present.splice(0);
    if (!batch.length) return;
    for (const g of groupByFlags(
      batch.map((r) => ({ destUid: r.destUid!, flags: r.flags })),
      filterFlags,
    ))
      await setFlags(dst, g.uids, g.flags);
    await store.putMessages(c.folderId, batch);
  };
  const recordPresent = async (m: MessageMeta, hash: string, destUid: number): Promise<void> => {
    present.push({
      sourceUidValidity: srcValidity,
      sourceUid: m.uid,
      destUid,
      sha256: hash,
      size: m.size,
      flags: m.flags,
      status: 'present',
    });
    result.alreadyPresent++;
    if (present.length >= MULTIAPPEND_MAX_MESSAGES) await flushPresent();
  };

  const appendEach = async (batch: Pending[]): Promise<Array<number | null | undefined>> => {
    const out: Array<number | null | undefined> = [];
    for (const p of batch) {
      try {
        const r = await writer.append(c.destEncoded, [p.item]);
        out.push(r.uids?.[0] ?? null);
      } catch (err) {
        if (isRetriable(err) || !(err instanceof MigratorError) || err.code !== 'MIGRATOR_APPEND_FAILED') throw err;
        result.failed.push({ uid: p.meta.uid, size: p.meta.size, error: errorMessage(err) });
        out.push(undefined); // failed, reported
      } finally {
        if (p.file) await rm(p.file, { force: true });
      }
    }
    return out;
  };
  // A message holding NUL bytes has no form the destination must store as-is: literal8 is the only one
  // the protocol allows, and Dovecot re-encodes its binary parts to base64. Such copies are read back;
  // one stored with other bytes is recorded as altered (with the reason), never as copied or missing.
  const readBackNul = async (batch: Pending[], uids: ReadonlyArray<number | null | undefined>): Promise<Map<number, string>> => {
    const out = new Map<number, string>();
    const check = batch.flatMap((p, i) => (p.item.hasNul && typeof uids[i] === 'number' ? [{ p, i, uid: uids[i]! }] : []));
    if (!check.length) return out;
    await dst.noop(); // the APPENDs came over another connection: let this session see them
    const stored = new Map<number, { sha: string; size: number }>();
    // read as verification reads (BINARY where BODY[] hides NULs), so both judge the same bytes
    await hashMessages(
      dst,
      check.map((x) => ({ uid: x.uid, size: x.p.meta.size })),
      (uid, sha, size) => stored.set(uid, { sha, size }),
      signal,
    );
    for (const { p, i, uid } of check) {
      const r = stored.get(uid);
      // not there (expunged meanwhile) or identical: a plain copy, which verification judges as any other
      if (!r || r.sha === p.hash) continue;
      const how = writer.capabilities.has('BINARY')
        ? 'destination re-encodes NUL bytes (BINARY APPEND)'
        : 'destination has no BINARY and alters NUL bytes in a plain APPEND';
      out.set(i, `${how}: it stores ${r.size} bytes for the source's ${p.meta.size}`);
      log.warn({ uid: p.meta.uid, destUid: uid, size: p.meta.size, stored: r.size }, 'destination altered a message holding NUL bytes');
    }
    return out;
  };
  const flush = async (batch: Pending[]): Promise<void> => {
    if (!batch.length) return;
    const useMulti = options.multiappend && writer.supportsMultiappend && batch.length > 1;
    let uids: Array<number | null | undefined> = [];
    if (useMulti) {
      try {
        const r = await writer.append(
          c.destEncoded,
          batch.map((p) => p.item),
        );
        uids = r.uids ?? batch.map(() => null);
      } catch (err) {
        if (isRetriable(err) || !(err instanceof MigratorError) || err.code !== 'MIGRATOR_APPEND_FAILED') throw err;
        log.warn({ err: errorMessage(err) }, 'MULTIAPPEND refused: appending one by one to find the culprit');
        uids = await appendEach(batch);
      }
    } else uids = await appendEach(batch);
    for (const u of uids) if (typeof u === 'number') locator.claim(u);
    // no APPENDUID (a destination without UIDPLUS): look the copies up by size and hash
    const unknown = batch.filter((_, i) => uids[i] === null);
    if (unknown.length) {
      const found = await locator.locate(unknown.map((p) => ({ size: p.meta.size, hash: p.hash })));
      let k = 0;
      uids = uids.map((u) => (u === null ? found[k++] : u));
    }
    const altered = await readBackNul(batch, uids);
    const recs: MessageRecord[] = [];
    batch.forEach((p, i) => {
      if (uids[i] === undefined) return;
      // not found by hash: unconfirmed, so a later pass looks for it again (and copies it if it is gone)
      if (uids[i] === null) result.unconfirmed.push(p.meta.uid);
      const reason = altered.get(i);
      recs.push({
        sourceUidValidity: srcValidity,
        sourceUid: p.meta.uid,
        destUid: uids[i] ?? null,
        sha256: p.hash,
        size: p.meta.size,
        flags: p.meta.flags,
        status: uids[i] === null ? 'unconfirmed' : reason ? 'altered' : 'copied',
        ...(reason ? { reason } : {}),
      });
      if (reason) result.altered.push({ uid: p.meta.uid, destUid: uids[i]!, reason });
      result.copied++;
      result.bytesCopied += p.meta.size;
      const rf = refused.get(p.meta.uid);
      if (rf) result.refusedFlags.push({ uid: p.meta.uid, flags: rf });
    });
    if (unknown.length && result.unconfirmed.length)
      log.warn({ uids: result.unconfirmed }, 'APPEND without APPENDUID: copy not found by size and hash, recorded unconfirmed');
    await store.putMessages(c.folderId, recs);
    pc.emit({
      kind: 'messages',
      phase: 'copy',
      folder: c.plan.sourcePath,
      messages: batch.length,
      bytes: batch.reduce((s, p) => s + p.meta.size, 0),
    });
  };

  // A read shorter (or longer) than RFC822.SIZE is a cut connection or a damaged literal: read it again
  // (the folder starts over). Some servers report sizes that are simply wrong: the same bytes read
  // twice are taken as they are.
  const checkRead = (m: MessageMeta, read: number, hash: string): void => {
    if (read === m.size) return;
    const key = `${c.plan.sourcePath}\0${srcValidity}\0${m.uid}`;
    if (pc.shortReads.get(key) === hash) {
      log.warn({ uid: m.uid, size: m.size, read }, 'RFC822.SIZE differs from the bytes read, twice alike: taking the bytes');
      return;
    }
    pc.shortReads.set(key, hash);
    throw new MigratorError('MIGRATOR_CONNECTION', `uid ${m.uid}: read ${read} bytes where RFC822.SIZE is ${m.size}: reading again`);
  };

  // small messages: FETCH by UID range while the previous batch is being appended
  const small = toCopy.filter((m) => m.size <= SMALL_MESSAGE_BYTES);
  const large = toCopy.filter((m) => m.size > SMALL_MESSAGE_BYTES);
  const metaOf = new Map(toCopy.map((m) => [m.uid, m]));
  let batch: Pending[] = [];
  let batchBytes = 0;
  let inflight: Promise<void> = Promise.resolve();
  const seen = new Set<number>();
  try {
    for await (const { uid, body } of fetchSmallBodies(src, small)) {
      checkAborted(signal);
      const m = metaOf.get(uid);
      if (!m || seen.has(uid)) continue;
      seen.add(uid);
      const meta = { ...m, size: body.length };
      await pc.throttle.consume(body.length, signal);
      const hash = sha256(body);
      checkRead(m, body.length, hash);
      const existing = pool.take(hash);
      if (existing !== undefined) {
        await recordPresent(meta, hash, existing);
        continue;
      }
      const item = { flags: prepare(meta), internalDate: meta.internalDate, size: body.length, body, hasNul: body.includes(0) };
      batch.push({ meta, hash, item });
      batchBytes += body.length;
      if (batch.length >= MULTIAPPEND_MAX_MESSAGES || batchBytes >= MULTIAPPEND_MAX_BYTES) {
        await inflight;
        inflight = flush(batch);
        inflight.catch(() => undefined);
        batch = [];
        batchBytes = 0;
      }
    }
    await inflight;
    inflight = flush(batch); // the last small batch is written while the first large message downloads
    inflight.catch(() => undefined);
    batch = [];

    // large messages: stream to a spool file (hash on the way), then stream the APPEND while the next
    // one downloads (one APPEND in flight; the spool file goes once its APPEND is done)
    for (const m of large) {
      checkAborted(signal);
      const file = path.join(pc.tmpDir, `${randomUUID()}.eml`);
      let handedOver = false;
      try {
        const r = await streamMessage(src, m.uid, file);
        if (!r) continue; // expunged meanwhile
        await pc.throttle.consume(r.size, signal);
        checkRead(m, r.size, r.sha256);
        const meta = { ...m, size: r.size };
        await inflight;
        const existing = pool.take(r.sha256);
        if (existing !== undefined) {
          await recordPresent(meta, r.sha256, existing);
          continue;
        }
        inflight = flush([
          {
            meta,
            hash: r.sha256,
            file,
            item: { flags: prepare(meta), internalDate: meta.internalDate, size: r.size, body: { file }, hasNul: r.hasNul },
          },
        ]).finally(() => rm(file, { force: true }));
        inflight.catch(() => undefined);
        handedOver = true;
      } finally {
        if (!handedOver) await rm(file, { force: true });
      }
    }
    await inflight;
    await flushPresent();
  } finally {
    await inflight.catch(() => undefined);
  }
}
