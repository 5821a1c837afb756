// One folder, one pass: reconcile the state store with both servers, sync flags of what is
// already there, copy what is not (MULTIAPPEND batches for small messages, streamed single
// APPENDs for large ones), optionally propagate deletions. Safe to repeat at any point:
// a message appended just before a crash is found on the destination by its hash.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { MigratorError, errorMessage, isRetriable } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import { encodeMutf7 } from '../folders/mutf7';
import type { AppendItem, RawImapConnection } from '../imap/raw-append';
import { compressUids } from '../../platform/mail/uidset';
import { MULTIAPPEND_MAX_BYTES, MULTIAPPEND_MAX_MESSAGES, SMALL_MESSAGE_BYTES } from '../limits';
import type { MessageRecord } from '../state/store';
import { type PassContext, checkAborted } from './context';
import {
  type MessageMeta,
  assertSelected,
  fetchSmallBodies,
  hashMessages,
  listMessages,
  sameFlags,
  sha256,
  streamMessage,
} from './messages';

export interface FolderConnections {
  src: ImapFlow;
  dst: ImapFlow;
  writer: RawImapConnection;
}

export interface FolderPassResult {
  sourcePath: string;
  destPath: string;
  sourceCount: number;
  copied: number;
  bytesCopied: number;
  alreadyPresent: number;
  flagsUpdated: number;
  deleted: number;
  skipped: Array<{ uid: number; size: number; reason: string }>;
  failed: Array<{ uid: number; size: number; error: string }>;
  refusedFlags: Array<{ uid: number; flags: string[] }>;
  error?: string;
}

export function emptyFolderResult(plan: FolderPlan): FolderPassResult {
  return {
    sourcePath: plan.sourcePath,
    destPath: plan.destPath,
    sourceCount: 0,
    copied: 0,
    bytesCopied: 0,
    alreadyPresent: 0,
    flagsUpdated: 0,
    deleted: 0,
    skipped: [],
    failed: [],
    refusedFlags: [],
  };
}

/** Which flags the selected destination mailbox keeps (PERMANENTFLAGS; \* = any keyword). */
export function flagFilter(permanent: Set<string> | undefined): (flags: readonly string[]) => { kept: string[]; refused: string[] } {
  if (!permanent) return (flags) => ({ kept: [...flags], refused: [] }); // no PERMANENTFLAGS: assume all
  const lower = new Set([...permanent].map((f) => f.toLowerCase()));
  const anyKeyword = lower.has('\\*');
  return (flags) => {
    const kept: string[] = [];
    const refused: string[] = [];
    for (const f of flags) {
      if (lower.has(f.toLowerCase()) || (anyKeyword && !f.startsWith('\\'))) kept.push(f);
      else refused.push(f);
    }
    return { kept, refused };
  };
}

class HashPool {
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

export async function syncFolder(
  pc: PassContext,
  plan: FolderPlan,
  conns: FolderConnections,
  mode: 'full' | 'delta',
  result: FolderPassResult,
): Promise<void> {
  const { src, dst, writer } = conns;
  const { options, store, signal } = pc;
  const log = pc.log.child({ folder: plan.sourcePath });
  const only = options.onlyUids?.[plan.sourcePath] ?? options.onlyUids?.[plan.sourceName];
  if (options.onlyUids && !only) return;

  const srcLock = await src.getMailboxLock(plan.sourcePath, { readOnly: true });
  try {
    const sbox = src.mailbox as Exclude<ImapFlow['mailbox'], boolean>;
    const srcValidity = Number(sbox.uidValidity);
    const srcUidNext = Number(sbox.uidNext);
    const srcModseq = sbox.highestModseq !== undefined && !sbox.noModseq ? sbox.highestModseq : undefined;

    await dst.mailboxCreate(plan.destPath).catch((err: unknown) => {
      if (!/ALREADYEXISTS|already exists/i.test(errorMessage(err) + ((err as { serverResponseCode?: string }).serverResponseCode ?? '')))
        throw err;
    });
    const dstLock = await dst.getMailboxLock(plan.destPath);
    try {
      const dbox = dst.mailbox as Exclude<ImapFlow['mailbox'], boolean>;
      const dstValidity = Number(dbox.uidValidity);
      const filterFlags = flagFilter(dbox.permanentFlags);
      const destEncoded = encodeMutf7(dbox.path);

      const fstate = await store.folder(pc.migrationId, pc.accountKey, plan.sourcePath, plan.destPath);
      if (fstate.destUidValidity !== null && fstate.destUidValidity !== dstValidity) {
        log.warn({ was: fstate.destUidValidity, now: dstValidity }, 'destination UIDVALIDITY changed: matching by content hash');
        await store.clearMessages(fstate.id);
      }
      if (fstate.destUidValidity !== dstValidity) await store.updateFolder(fstate.id, { destUidValidity: dstValidity });
      const records = await store.loadMessages(fstate.id);
      const current = new Map<number, MessageRecord>();
      const stale: MessageRecord[] = [];
      for (const r of records) {
        if (r.sourceUidValidity === srcValidity) current.set(r.sourceUid, r);
        else stale.push(r);
      }
      if (stale.length) log.warn({ stale: stale.length }, 'source UIDVALIDITY changed: matching by content hash');

      // ---- source listing: everything, or only what changed (CONDSTORE) in a delta
      const useCondstore =
        mode === 'delta' &&
        srcModseq !== undefined &&
        fstate.sourceHighestModseq !== null &&
        fstate.sourceUidValidity === srcValidity &&
        !stale.length &&
        !only;
      const listing = useCondstore
        ? await listMessages(src, '1:*', { changedSince: BigInt(fstate.sourceHighestModseq!) })
        : await listMessages(src, only ? compressUids(only) : '1:*');
      const metaByUid = new Map(listing.map((m) => [m.uid, m]));
      let allSourceUids: Set<number> | undefined = useCondstore ? undefined : new Set(listing.map((m) => m.uid));
      if (!allSourceUids && options.propagateDeletions)
        allSourceUids = new Set(((await src.search({ all: true }, { uid: true })) || []) as number[]);
      log.debug({ exists: sbox.exists, listed: listing.length, useCondstore, uidValidity: srcValidity }, 'source listing');
      result.sourceCount = useCondstore ? Number(sbox.exists) : only ? Number(sbox.exists) : listing.length;

      // ---- destination listing: what is really there
      const destMetas = await listMessages(dst, '1:*', { withDate: false });
      const destUids = new Set(destMetas.map((m) => m.uid));
      const mappedDest = new Set<number>();
      const vanished: MessageRecord[] = [];
      for (const r of current.values()) {
        if (r.destUid === null) continue;
        if (destUids.has(r.destUid)) mappedDest.add(r.destUid);
        else if (r.status !== 'skipped') vanished.push(r);
      }
      if (vanished.length) {
        log.warn({ count: vanished.length }, 'copied messages are gone from the destination: copying them again');
        for (const r of vanished) current.delete(r.sourceUid);
        await store.deleteMessages(fstate.id, vanished);
      }
      // destination messages nobody accounts for: hash them so the copy below can recognise them
      const pool = new HashPool();
      const knownHash = new Map<number, string>();
      for (const r of stale) if (r.destUid !== null && r.sha256) knownHash.set(r.destUid, r.sha256);
      const unknown: MessageMeta[] = [];
      for (const m of destMetas) {
        if (mappedDest.has(m.uid)) continue;
        const h = knownHash.get(m.uid);
        if (h) pool.add(h, m.uid);
        else unknown.push(m);
      }
      if (unknown.length) {
        log.info({ count: unknown.length }, 'hashing destination messages not in the state store');
        await hashMessages(dst, unknown, (uid, h) => pool.add(h, uid), signal);
      }

      // ---- what to do per source message
      const toCopy: MessageMeta[] = [];
      const flagGroups = new Map<string, { flags: string[]; uids: number[]; records: MessageRecord[] }>();
      const skippedRecords: MessageRecord[] = [];
      const needMeta: number[] = [];
      for (const r of vanished) if (!metaByUid.has(r.sourceUid)) needMeta.push(r.sourceUid);
      if (needMeta.length) for (const m of await listMessages(src, compressUids(needMeta))) metaByUid.set(m.uid, m);

      const appendLimit = appendLimitOf(dst, dbox as { appendLimit?: number });
      for (const m of metaByUid.values()) {
        const r = current.get(m.uid);
        if (r) {
          if (r.status === 'skipped' || r.destUid === null || !options.syncFlags) continue;
          if (!sameFlags(r.flags, m.flags)) {
            const { kept } = filterFlags(m.flags);
            const key = kept.join(' ');
            const g = flagGroups.get(key) ?? { flags: kept, uids: [], records: [] };
            g.uids.push(r.destUid);
            g.records.push({ ...r, flags: m.flags });
            flagGroups.set(key, g);
          }
          continue;
        }
        const cap = Math.min(options.maxMessageBytes ?? Infinity, appendLimit ?? Infinity);
        if (m.size > cap) {
          const reason =
            options.maxMessageBytes !== undefined && m.size > options.maxMessageBytes
              ? `larger than size cap ${options.maxMessageBytes}`
              : `larger than destination APPENDLIMIT ${appendLimit}`;
          result.skipped.push({ uid: m.uid, size: m.size, reason });
          skippedRecords.push({
            sourceUidValidity: srcValidity,
            sourceUid: m.uid,
            destUid: null,
            sha256: null,
            size: m.size,
            flags: m.flags,
            status: 'skipped',
            reason,
          });
          continue;
        }
        toCopy.push(m);
      }
      await store.putMessages(fstate.id, skippedRecords);

      // ---- flag changes of copied messages, one STORE per distinct flag set
      for (const g of flagGroups.values()) {
        checkAborted(signal);
        await dst.messageFlagsSet(compressUids(g.uids), g.flags, { uid: true });
        await store.putMessages(fstate.id, g.records);
        result.flagsUpdated += g.uids.length;
      }

      // ---- deletions at the source (opt-in)
      if (options.propagateDeletions && allSourceUids && !only) {
        const gone = [...current.values()].filter((r) => !allSourceUids!.has(r.sourceUid));
        const destGone = gone.filter((r) => r.destUid !== null).map((r) => r.destUid!);
        if (destGone.length) await dst.messageDelete(compressUids(destGone), { uid: true });
        await store.deleteMessages(fstate.id, gone);
        result.deleted += gone.length;
      }

      // ---- copy
      toCopy.sort((a, b) => a.uid - b.uid);
      const refused = new Map<number, string[]>();
      const prepare = (m: MessageMeta): string[] => {
        const { kept, refused: r } = filterFlags(m.flags);
        if (r.length) refused.set(m.uid, r);
        return kept;
      };
      // messages found on the destination by hash: their flags are set in one STORE per flag
      // set, then they are recorded (so a record never claims flags the destination lacks)
      const present: MessageRecord[] = [];
      const flushPresent = async (): Promise<void> => {
        const batch = present.splice(0);
        if (!batch.length) return;
        const groups = new Map<string, { flags: string[]; uids: number[] }>();
        for (const r of batch) {
          const { kept } = filterFlags(r.flags);
          const key = kept.join(' ');
          const g = groups.get(key) ?? { flags: kept, uids: [] };
          g.uids.push(r.destUid!);
          groups.set(key, g);
        }
        for (const g of groups.values()) await dst.messageFlagsSet(compressUids(g.uids), g.flags, { uid: true });
        await store.putMessages(fstate.id, batch);
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

      type Pending = { meta: MessageMeta; hash: string; item: AppendItem; file?: string };
      const flush = async (batch: Pending[]): Promise<void> => {
        if (!batch.length) return;
        const useMulti = options.multiappend && writer.supportsMultiappend && batch.length > 1;
        let uids: Array<number | null> = [];
        if (useMulti) {
          try {
            const r = await writer.append(
              destEncoded,
              batch.map((p) => p.item),
            );
            uids = r.uids ?? batch.map(() => null);
          } catch (err) {
            if (isRetriable(err) || !(err instanceof MigratorError) || err.code !== 'MIGRATOR_APPEND_FAILED') throw err;
            log.warn({ err: errorMessage(err) }, 'MULTIAPPEND refused: appending one by one to find the culprit');
            uids = await appendEach(batch);
          }
        } else uids = await appendEach(batch);
        const recs: MessageRecord[] = [];
        batch.forEach((p, i) => {
          if (uids[i] === undefined) return; // failed, reported
          recs.push({
            sourceUidValidity: srcValidity,
            sourceUid: p.meta.uid,
            destUid: uids[i],
            sha256: p.hash,
            size: p.meta.size,
            flags: p.meta.flags,
            status: 'copied',
          });
          result.copied++;
          result.bytesCopied += p.meta.size;
          const rf = refused.get(p.meta.uid);
          if (rf) result.refusedFlags.push({ uid: p.meta.uid, flags: rf });
        });
        await store.putMessages(fstate.id, recs);
        pc.emit({
          kind: 'messages',
          phase: 'copy',
          folder: plan.sourcePath,
          messages: batch.length,
          bytes: batch.reduce((s, p) => s + p.meta.size, 0),
        });
      };
      const appendEach = async (batch: Pending[]): Promise<Array<number | null>> => {
        const out: Array<number | null> = [];
        for (const p of batch) {
          try {
            const r = await writer.append(destEncoded, [p.item]);
            out.push(r.uids?.[0] ?? null);
          } catch (err) {
            if (isRetriable(err) || !(err instanceof MigratorError) || err.code !== 'MIGRATOR_APPEND_FAILED') throw err;
            result.failed.push({ uid: p.meta.uid, size: p.meta.size, error: errorMessage(err) });
            out.push(undefined as unknown as null);
          } finally {
            if (p.file) await rm(p.file, { force: true });
          }
        }
        return out;
      };

      if (options.dryRun) {
        result.skipped.push(...toCopy.map((m) => ({ uid: m.uid, size: m.size, reason: 'dry run' })));
        return;
      }

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
          const existing = pool.take(hash);
          if (existing !== undefined) {
            await recordPresent(meta, hash, existing);
            continue;
          }
          batch.push({ meta, hash, item: { flags: prepare(meta), internalDate: meta.internalDate, size: body.length, body } });
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
        await flush(batch);
        batch = [];

        // large messages: stream to a spool file (hash on the way), then stream the APPEND
        for (const m of large) {
          checkAborted(signal);
          const file = path.join(pc.tmpDir, `${randomUUID()}.eml`);
          try {
            const r = await streamMessage(src, m.uid, file);
            if (!r) continue; // expunged meanwhile
            await pc.throttle.consume(r.size, signal);
            const meta = { ...m, size: r.size };
            const existing = pool.take(r.sha256);
            if (existing !== undefined) {
              await recordPresent(meta, r.sha256, existing);
              continue;
            }
            await flush([
              { meta, hash: r.sha256, file, item: { flags: prepare(meta), internalDate: meta.internalDate, size: r.size, body: { file } } },
            ]);
          } finally {
            await rm(file, { force: true });
          }
        }
        await flushPresent();
      } finally {
        await inflight.catch(() => undefined);
      }

      // whatever happened above, the markers move only over live connections
      assertSelected(src);
      assertSelected(dst);
      if (stale.length) await store.deleteMessages(fstate.id, stale);
      // advance the sync markers only when nothing failed, so a delta revisits failures
      await store.updateFolder(fstate.id, {
        destUidValidity: dstValidity,
        sourceUidValidity: srcValidity,
        ...(result.failed.length
          ? {}
          : { sourceUidNext: srcUidNext, sourceHighestModseq: srcModseq !== undefined ? String(srcModseq) : null }),
      });
    } finally {
      dstLock.release();
    }
  } finally {
    srcLock.release();
  }
}

function appendLimitOf(dst: ImapFlow, box: { appendLimit?: number }): number | undefined {
  if (typeof box.appendLimit === 'number') return box.appendLimit;
  const cap = dst.capabilities.get('APPENDLIMIT');
  return typeof cap === 'number' ? cap : undefined;
}
