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
import { type MessageMeta, assertSelected, envelopes, folderExists, hashMessages, listMessages, sameFlags } from './messages';
import type { MessageRecord } from '../state/store';
import { type UidRange, forEachUidRange, inRange, sortedIndexOf } from './uid-ranges';

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
  return sortedHashListDigest([...hashes].sort());
}

/** The same digest over an already sorted list, without joining it into one string. */
function sortedHashListDigest(sorted: readonly string[]): string {
  const h = createHash('sha256');
  sorted.forEach((x, i) => h.update(i ? '\n' + x : x));
  return h.digest('hex');
}

/**
 * The destination folder read back, kept compactly (a folder of 500,000 messages in tens of MB): per
 * message its UID (ascending), SHA-256, flag set (interned) and internal date, and the messages by hash.
 */
class DestinationIndex {
  readonly uids: number[] = [];
  readonly hashes: Array<string | undefined> = [];
  readonly flagSet: number[] = [];
  readonly dates: number[] = [];
  private readonly sets: string[][] = [];
  private readonly setIds = new Map<string, number>();
  private readonly firstByHash = new Map<string, number>();
  private readonly nextSameHash: number[] = [];
  used = new Uint8Array(0);

  add(m: MessageMeta): number {
    const key = m.flags.join(' ');
    let id = this.setIds.get(key);
    if (id === undefined) {
      id = this.sets.push(m.flags) - 1;
      this.setIds.set(key, id);
    }
    this.uids.push(m.uid);
    this.hashes.push(undefined);
    this.flagSet.push(id);
    this.dates.push(m.internalDate ? m.internalDate.getTime() : Number.NaN);
    this.nextSameHash.push(-1);
    return this.uids.length - 1;
  }

  setHash(i: number, h: string): void {
    const first = this.firstByHash.get(h);
    if (first === undefined) {
      this.firstByHash.set(h, i);
      this.hashes[i] = h;
      return;
    }
    // share the first copy's string: one string per distinct body
    this.hashes[i] = this.hashes[first];
    let at = first;
    while (this.nextSameHash[at] !== -1) at = this.nextSameHash[at];
    this.nextSameHash[at] = i;
  }

  /** Index of a destination UID (binary search over the ascending UIDs), or -1. */
  indexOf(uid: number): number {
    return sortedIndexOf(this.uids, uid);
  }

  /** The first unused message with these bytes, or -1. */
  unusedWithHash(h: string): number {
    for (let i = this.firstByHash.get(h) ?? -1; i !== -1; i = this.nextSameHash[i]) if (!this.used[i]) return i;
    return -1;
  }

  flags(i: number): string[] {
    return this.sets[this.flagSet[i]];
  }

  get size(): number {
    return this.uids.length;
  }
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
    const box = src.mailbox as { uidValidity: bigint; uidNext?: number };
    const validity = Number(box.uidValidity);
    const srcUidNext = box.uidNext !== undefined ? Number(box.uidNext) : undefined;
    const snap = opts.snapshot;
    // another UIDVALIDITY: the snapshot's UIDs name other messages now, so nothing can be proven against it
    if (snap && snap.uidValidity !== validity)
      return emptyFolderVerification(
        plan,
        `source UIDVALIDITY changed since the pass that copied it (${snap.uidValidity} -> ${validity}): run the delta again`,
      );
    const st = await pc.store.findFolder(pc.accountKey, plan.sourcePath);
    const ours = st !== null && st.destPath === plan.destPath;
    // the source in UID ranges: its listing and the state's records are never held whole
    const eachSourceRange = (each: (listing: MessageMeta[], r: UidRange) => Promise<void>) =>
      forEachUidRange(srcUidNext, async (r) => {
        checkAborted(pc.signal);
        const listing = (await listMessages(src, r.set)).filter((m) => inRange(r, m.uid)).sort((a, b) => a.uid - b.uid);
        await each(listing, r);
        return listing.length;
      });
    const firstListed = new Map<number, number>(); // uid -> size, for the envelopes of the listed few
    const note = (m: Pick<MessageMeta, 'uid' | 'size'>, count: number) => {
      if (count <= REPORT_MAX_LISTED_PER_FOLDER) firstListed.set(m.uid, m.size);
    };
    const listed = async (uids: readonly number[]): Promise<MissingMessage[]> => {
      const first = uids.slice(0, REPORT_MAX_LISTED_PER_FOLDER);
      const env = await envelopes(src, first);
      return first.map((uid) => env.get(uid) ?? { uid, size: firstListed.get(uid) ?? 0 });
    };
    const newcomers: number[] = [];
    const isNewcomer = (m: MessageMeta): boolean => {
      if (!snap || m.uid <= snap.lastUid) return false;
      out.newcomerCount++;
      if (newcomers.length < REPORT_MAX_LISTED_PER_FOLDER) {
        newcomers.push(m.uid);
        note(m, newcomers.length);
      }
      return true;
    };

    // after the switch, a folder the migrator synced that is gone from the destination was deleted by the user
    if (opts.afterSwitch && ours && st.destUidValidity !== null && !(await folderExists(dst, plan.destPath))) {
      const removed: number[] = [];
      await eachSourceRange(async (listing) => {
        for (const m of listing) {
          if (isNewcomer(m)) continue;
          out.sourceCount++;
          out.removedByUserCount++;
          if (removed.length < REPORT_MAX_LISTED_PER_FOLDER) {
            removed.push(m.uid);
            note(m, removed.length);
          }
        }
      });
      out.folderRemovedByUser = true;
      out.removedByUser = await listed(removed);
      if (newcomers.length) out.newcomers = await listed(newcomers);
      assertSelected(src);
      return out;
    }

    // the destination, read back in full first (hashes, flags, dates), range by range
    const dest = new DestinationIndex();
    let filter = flagFilter(undefined);
    let destValidity: number | undefined;
    if (await folderExists(dst, plan.destPath)) {
      const dstLock = await dst.getMailboxLock(plan.destPath, { readOnly: true });
      try {
        const dbox = dst.mailbox as { uidValidity: bigint; uidNext?: number };
        destValidity = Number(dbox.uidValidity);
        await forEachUidRange(dbox.uidNext !== undefined ? Number(dbox.uidNext) : undefined, async (r) => {
          checkAborted(pc.signal);
          const metas = (await listMessages(dst, r.set)).filter((m) => inRange(r, m.uid)).sort((a, b) => a.uid - b.uid);
          const at = new Map(metas.map((m) => [m.uid, { i: dest.add(m), size: m.size }]));
          await hashMessages(
            dst,
            metas,
            (uid, h, size) => {
              const d = at.get(uid)!;
              dest.setHash(d.i, h);
              if (size !== d.size) out.sizeMismatches.push({ side: 'destination', uid, size: d.size, read: size });
              pc.emit({ kind: 'messages', phase: 'verify', folder: plan.sourcePath, messages: 1, bytes: 0 });
            },
            pc.signal,
          );
          return metas.length;
        });
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
    out.destCount = dest.size;
    dest.used = new Uint8Array(dest.size);

    const missingUids: number[] = [];
    const removedUids: number[] = [];
    const hashes: string[] = [];
    const compare = (m: MessageMeta, i: number): void => {
      out.matched++;
      dest.used[i] = 1;
      const destFlags = dest.flags(i);
      const expected = filter(m.flags).kept.sort();
      if (!sameFlags(expected, destFlags))
        out.flagMismatches.push({ uid: m.uid, destUid: dest.uids[i], source: m.flags, destination: destFlags });
      const d = dest.dates[i];
      if (m.internalDate && !Number.isNaN(d) && Math.abs(m.internalDate.getTime() - d) >= 1000)
        out.dateMismatches.push({
          uid: m.uid,
          destUid: dest.uids[i],
          source: m.internalDate.toISOString(),
          destination: new Date(d).toISOString(),
        });
    };
    // first every message whose recorded destination UID holds the right bytes (range by range), then
    // the rest by hash: a message without a record must not take a copy another message's record names
    const pending: Array<{ m: MessageMeta; h: string; recorded: boolean }> = [];
    await eachSourceRange(async (listing, r) => {
      const records = ours
        ? new Map(
            (await pc.store.loadMessages(st.id, { sourceUidValidity: validity, from: r.from, to: r.to })).map((x) => [x.sourceUid, x]),
          )
        : new Map<number, MessageRecord>();
      const metas = listing.filter((m) => !isNewcomer(m));
      out.sourceCount += metas.length;
      const srcHash = new Map<number, string>();
      const toHash = [];
      for (const m of metas) {
        const rec = records.get(m.uid);
        if (rec?.status === 'skipped') out.skipped.push({ uid: m.uid, size: m.size, reason: rec.reason ?? 'skipped' });
        else if (rec?.sha256 && !opts.rehashSource) srcHash.set(m.uid, rec.sha256);
        else toHash.push(m);
      }
      if (toHash.length) {
        const size = new Map(toHash.map((m) => [m.uid, m.size]));
        await hashMessages(
          src,
          toHash,
          (uid, h, read) => {
            srcHash.set(uid, h);
            if (read !== size.get(uid)) out.sizeMismatches.push({ side: 'source', uid, size: size.get(uid) ?? 0, read });
          },
          pc.signal,
        );
      }
      for (const m of metas) {
        checkAborted(pc.signal);
        const h = srcHash.get(m.uid);
        if (!h) continue; // skipped, or gone from the source meanwhile
        const rec = records.get(m.uid);
        const i = rec?.destUid != null ? dest.indexOf(rec.destUid) : -1;
        if (i >= 0 && dest.hashes[i] === h && !dest.used[i]) {
          hashes.push(dest.hashes[i]!);
          compare(m, i);
        } else if (
          i >= 0 &&
          rec?.status === 'altered' &&
          rec.sha256 === h &&
          st?.destUidValidity === destValidity &&
          dest.hashes[i] !== undefined &&
          !dest.used[i]
        ) {
          // the copy the destination re-encoded when it was appended (a UID's bytes never change)
          hashes.push(h);
          dest.used[i] = 1;
          out.altered.push({ uid: m.uid, destUid: dest.uids[i], reason: rec.reason ?? 'altered by the destination' });
        } else pending.push({ m, h, recorded: rec !== undefined });
      }
    });
    for (const { m, h, recorded } of pending) {
      const i = dest.unusedWithHash(h);
      if (i === -1) {
        hashes.push(h);
        // after the switch, a copy the migrator made that is gone now was removed by the user
        const into = opts.afterSwitch && recorded ? removedUids : missingUids;
        into.push(m.uid);
        if (into.length <= REPORT_MAX_LISTED_PER_FOLDER) note(m, into.length);
        continue;
      }
      hashes.push(dest.hashes[i]!);
      compare(m, i);
    }
    hashes.sort();
    // a destination copy no source message took, whose bytes some source message has: a duplicate
    for (let i = 0; i < dest.size; i++) {
      const h = dest.hashes[i];
      if (!dest.used[i] && h !== undefined && sortedIndexOf(hashes, h) !== -1) out.duplicates.push({ destUid: dest.uids[i], sha256: h });
    }
    out.missingCount = missingUids.length;
    if (missingUids.length) out.missing = await listed(missingUids);
    out.removedByUserCount = removedUids.length;
    if (removedUids.length) out.removedByUser = await listed(removedUids);
    if (newcomers.length) out.newcomers = await listed(newcomers);
    assertSelected(src);
    out.hashListDigest = sortedHashListDigest(hashes);
    return out;
  } finally {
    srcLock.release();
  }
}
