// Zero-loss verification of one folder: read the destination back, hash every message and
// match every source message to a destination message with the same SHA-256. Source hashes
// come from the state store (computed from the bytes that were appended); source messages the
// store does not know are read and hashed at the source (or all of them with `rehashSource`).
// Against a pass's snapshot (a cut-over's final delta), only the messages of the snapshot are checked;
// what arrived at the source later is listed as newcomers for the catch-up.
import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { FolderPlan } from '../folders/mapping';
import { REPORT_MAX_LISTED_PER_FOLDER } from '../limits';
import { type PassContext, checkAborted } from './context';
import { flagFilter } from './folder-plan';
import type { FolderSnapshot } from './snapshot';
import { assertSelected, envelopes, folderExists, hashMessages, listMessages, sameFlags } from './messages';

export interface MissingMessage {
  uid: number;
  messageId?: string;
  date?: string;
  subject?: string;
  size: number;
}

export interface FolderVerification {
  sourcePath: string;
  sourceName: string;
  destPath: string;
  sourceCount: number;
  destCount: number;
  matched: number;
  skipped: Array<{ uid: number; size: number; reason: string }>;
  missingCount: number;
  missing: MissingMessage[];
  /**
   * Catch-up verification (after the switch): source messages the migrator had copied whose copy the
   * user removed (deleted, moved) on the destination, or whose folder the user deleted. Not missing.
   */
  removedByUserCount: number;
  removedByUser: MissingMessage[];
  /** Catch-up verification: the user deleted this destination folder after the switch. */
  folderRemovedByUser: boolean;
  /**
   * Verification against a pass's snapshot: source messages above it, which arrived after that pass
   * (during a cut-over, after the final delta). Not checked, not missing: the catch-up copies them.
   */
  newcomerCount: number;
  newcomers: MissingMessage[];
  /** Destination messages beyond the number of source copies with the same bytes. */
  duplicates: Array<{ destUid: number; sha256: string }>;
  /**
   * Source messages whose copy the destination stores with other bytes (it re-encoded their NUL bytes),
   * as recorded when they were copied, the copy still there: neither matched nor missing.
   */
  altered: Array<{ uid: number; destUid: number; reason: string }>;
  /** Messages whose bytes read differ in length from their RFC822.SIZE. */
  sizeMismatches: Array<{ side: 'source' | 'destination'; uid: number; size: number; read: number }>;
  flagMismatches: Array<{ uid: number; destUid: number; source: string[]; destination: string[] }>;
  dateMismatches: Array<{ uid: number; destUid: number; source: string; destination: string }>;
  /** SHA-256 over the sorted hex hashes of the source messages, one per line. */
  hashListDigest: string;
  error?: string;
}

export function hashListDigest(hashes: readonly string[]): string {
  return createHash('sha256')
    .update([...hashes].sort().join('\n'))
    .digest('hex');
}

/** A folder's verification before anything was counted (also what a folder that could not be read reports). */
export function emptyFolderVerification(plan: FolderPlan, error?: string): FolderVerification {
  return {
    sourcePath: plan.sourcePath,
    sourceName: plan.sourceName,
    destPath: plan.destPath,
    sourceCount: 0,
    destCount: 0,
    matched: 0,
    skipped: [],
    missingCount: 0,
    missing: [],
    removedByUserCount: 0,
    removedByUser: [],
    folderRemovedByUser: false,
    newcomerCount: 0,
    newcomers: [],
    duplicates: [],
    altered: [],
    sizeMismatches: [],
    flagMismatches: [],
    dateMismatches: [],
    hashListDigest: '',
    ...(error !== undefined ? { error } : {}),
  };
}

export async function verifyFolder(
  pc: PassContext,
  plan: FolderPlan,
  conns: { src: ImapFlow; dst: ImapFlow },
  opts: { rehashSource: boolean; afterSwitch?: boolean; snapshot?: FolderSnapshot },
): Promise<FolderVerification> {
  const { src, dst } = conns;
  const out = emptyFolderVerification(plan);
  const srcLock = await src.getMailboxLock(plan.sourcePath, { readOnly: true });
  try {
    const validity = Number((src.mailbox as { uidValidity: bigint }).uidValidity);
    const snap = opts.snapshot;
    // another UIDVALIDITY: the snapshot's UIDs name other messages now, so nothing can be proven against it
    if (snap && snap.uidValidity !== validity)
      return emptyFolderVerification(
        plan,
        `source UIDVALIDITY changed since the pass that copied it (${snap.uidValidity} -> ${validity}): run the delta again`,
      );
    const listing = await listMessages(src, '1:*');
    const srcMetas = snap ? listing.filter((m) => m.uid <= snap.lastUid) : listing;
    const srcSize = new Map(listing.map((m) => [m.uid, m.size]));
    out.sourceCount = srcMetas.length;
    const st = await pc.store.findFolder(pc.accountKey, plan.sourcePath);
    const known = st && st.destPath === plan.destPath ? await pc.store.loadMessages(st.id) : [];
    const records = new Map(known.filter((r) => r.sourceUidValidity === validity).map((r) => [r.sourceUid, r]));
    const listed = async (uids: readonly number[]): Promise<MissingMessage[]> => {
      const first = uids.slice(0, REPORT_MAX_LISTED_PER_FOLDER);
      const env = await envelopes(src, first);
      return first.map((uid) => env.get(uid) ?? { uid, size: srcSize.get(uid) ?? 0 });
    };
    if (snap) {
      const later = listing.filter((m) => m.uid > snap.lastUid).map((m) => m.uid);
      out.newcomerCount = later.length;
      if (later.length) out.newcomers = await listed(later);
    }

    // after the switch, a folder the migrator synced that is gone from the destination was deleted by the user
    if (
      opts.afterSwitch &&
      st &&
      st.destPath === plan.destPath &&
      st.destUidValidity !== null &&
      !(await folderExists(dst, plan.destPath))
    ) {
      // everything in it: also what arrived at the source later, which the catch-up leaves out with the folder
      const removed = srcMetas.map((m) => m.uid);
      out.folderRemovedByUser = true;
      out.removedByUserCount = removed.length;
      out.removedByUser = await listed(removed);
      assertSelected(src);
      return out;
    }

    const srcHash = new Map<number, string>();
    const toHash = [];
    for (const m of srcMetas) {
      const r = records.get(m.uid);
      if (r?.status === 'skipped') out.skipped.push({ uid: m.uid, size: m.size, reason: r.reason ?? 'skipped' });
      else if (r?.sha256 && !opts.rehashSource) srcHash.set(m.uid, r.sha256);
      else toHash.push(m);
    }
    if (toHash.length)
      await hashMessages(
        src,
        toHash,
        (uid, h, size) => {
          srcHash.set(uid, h);
          if (size !== srcSize.get(uid)) out.sizeMismatches.push({ side: 'source', uid, size: srcSize.get(uid) ?? 0, read: size });
        },
        pc.signal,
      );

    // the destination, read back in full
    const destExists = await folderExists(dst, plan.destPath);
    const destHash = new Map<number, string>();
    const byHash = new Map<string, number[]>();
    let destMetas: Awaited<ReturnType<typeof listMessages>> = [];
    let filter = flagFilter(undefined);
    let destValidity: number | undefined;
    if (destExists) {
      const dstLock = await dst.getMailboxLock(plan.destPath, { readOnly: true });
      try {
        destValidity = Number((dst.mailbox as { uidValidity: bigint }).uidValidity);
        destMetas = await listMessages(dst, '1:*');
        const destSize = new Map(destMetas.map((m) => [m.uid, m.size]));
        await hashMessages(
          dst,
          destMetas,
          (uid, h, size) => {
            destHash.set(uid, h);
            if (size !== destSize.get(uid)) out.sizeMismatches.push({ side: 'destination', uid, size: destSize.get(uid) ?? 0, read: size });
            const l = byHash.get(h);
            if (l) l.push(uid);
            else byHash.set(h, [uid]);
            pc.emit({ kind: 'messages', phase: 'verify', folder: plan.sourcePath, messages: 1, bytes: 0 });
          },
          pc.signal,
        );
      } finally {
        dstLock.release();
      }
      // PERMANENTFLAGS only come with a read-write SELECT
      const rw = await dst.getMailboxLock(plan.destPath);
      try {
        filter = flagFilter((dst.mailbox as { permanentFlags?: Set<string> }).permanentFlags);
      } finally {
        rw.release();
      }
    }
    out.destCount = destMetas.length;
    const destMeta = new Map(destMetas.map((m) => [m.uid, m]));
    const used = new Set<number>();
    const missingUids: number[] = [];
    const removedUids: number[] = [];
    const hashes: string[] = [];
    // first every message whose recorded destination UID holds the right bytes, then the rest by hash
    const pending = [];
    for (const m of srcMetas) {
      checkAborted(pc.signal);
      const h = srcHash.get(m.uid);
      if (!h) continue; // skipped, or gone from the source meanwhile
      hashes.push(h);
      const r = records.get(m.uid);
      if (r?.destUid != null && destHash.get(r.destUid) === h && !used.has(r.destUid)) {
        used.add(r.destUid);
        compare(m, r.destUid);
      } else if (
        r?.status === 'altered' &&
        r.sha256 === h &&
        r.destUid != null &&
        st?.destUidValidity === destValidity &&
        destHash.has(r.destUid) &&
        !used.has(r.destUid)
      ) {
        // the copy the destination re-encoded when it was appended (a UID's bytes never change)
        used.add(r.destUid);
        out.altered.push({ uid: m.uid, destUid: r.destUid, reason: r.reason ?? 'altered by the destination' });
      } else pending.push({ m, h });
    }
    for (const { m, h } of pending) {
      const cands = byHash.get(h) ?? [];
      const destUid = cands.find((u) => !used.has(u));
      if (destUid === undefined) {
        // after the switch, a copy the migrator made that is gone now was removed by the user
        if (opts.afterSwitch && records.has(m.uid)) removedUids.push(m.uid);
        else missingUids.push(m.uid);
        continue;
      }
      used.add(destUid);
      compare(m, destUid);
    }
    function compare(m: (typeof srcMetas)[number], destUid: number): void {
      out.matched++;
      const d = destMeta.get(destUid)!;
      const expected = filter(m.flags).kept.sort();
      if (!sameFlags(expected, d.flags)) out.flagMismatches.push({ uid: m.uid, destUid, source: m.flags, destination: d.flags });
      if (m.internalDate && d.internalDate && Math.abs(m.internalDate.getTime() - d.internalDate.getTime()) >= 1000)
        out.dateMismatches.push({ uid: m.uid, destUid, source: m.internalDate.toISOString(), destination: d.internalDate.toISOString() });
    }
    // a destination copy no source message took, whose bytes some source message has: a duplicate
    const sourceHashes = new Set(hashes);
    for (const [destUid, h] of destHash) if (!used.has(destUid) && sourceHashes.has(h)) out.duplicates.push({ destUid, sha256: h });
    out.missingCount = missingUids.length;
    if (missingUids.length) out.missing = await listed(missingUids);
    out.removedByUserCount = removedUids.length;
    if (removedUids.length) out.removedByUser = await listed(removedUids);
    assertSelected(src);
    out.hashListDigest = hashListDigest(hashes);
    return out;
  } finally {
    srcLock.release();
  }
}
