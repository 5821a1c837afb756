// One folder, one pass: reconcile the state store with both servers (folder-plan.ts, pure), sync
// flags of what is already there (folder-flags.ts), optionally propagate deletions
// (folder-deletions.ts) and copy what is not there (folder-copy.ts). Safe to repeat at any point:
// a message appended just before a crash is found on the destination by its hash.
import type { ImapFlow } from 'imapflow';
import { MigratorError, errorMessage } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import { encodeMailboxName } from '../imap/mailbox-name';
import type { RawImapConnection } from '../imap/raw-append';
import type { PassMode } from '../options';
import { LIST_RANGE_MESSAGES } from '../limits';
import { chunk, compressUids } from '../../platform/mail/uidset';
import type { FolderState, MessageRecord, RecordCounts } from '../state/store';
import { AppendLocator } from './append-locator';
import { type PassContext, checkAborted } from './context';
import { HashPool, copyMessages } from './folder-copy';
import { propagateDeletions } from './folder-deletions';
import { applyFlagChanges } from './folder-flags';
import { flagFilter, planMessages } from './folder-plan';
import type { FolderPassResult } from './folder-result';
import { type MessageMeta, assertSelected, folderExists, hashMessages, listMessages, listUids, sameFlags, searchUids } from './messages';
import { folderSnapshot } from './snapshot';
import { type UidRange, UidList, UidListBuilder, forEachUidRange, inRange } from './uid-ranges';

export { emptyFolderResult, type FolderPassResult } from './folder-result';
export { flagFilter } from './folder-plan';

export interface FolderConnections {
  src: ImapFlow;
  dst: ImapFlow;
  writer: RawImapConnection;
}

type Mailbox = Exclude<ImapFlow['mailbox'], boolean>;

export async function syncFolder(
  pc: PassContext,
  plan: FolderPlan,
  conns: FolderConnections,
  mode: PassMode,
  result: FolderPassResult,
): Promise<void> {
  const { src, dst, writer } = conns;
  const { options, store, signal } = pc;
  const log = pc.log.child({ folder: plan.sourcePath });
  const only = options.onlyUids?.[plan.sourcePath] ?? options.onlyUids?.[plan.sourceName];
  if (options.onlyUids && !only) return;
  // after the switch the destination is the user's live mailbox: what the user removed stays removed
  const afterSwitch = mode === 'catchup';
  if (afterSwitch && (await removedByUser(pc, plan, dst))) {
    log.info({ destPath: plan.destPath }, 'destination folder deleted by the user after the switch: left deleted');
    result.folderRemovedByUser = true;
    return;
  }

  const srcLock = await src.getMailboxLock(plan.sourcePath, { readOnly: true });
  try {
    const sbox = src.mailbox as Mailbox;
    const srcValidity = Number(sbox.uidValidity);
    const srcUidNext = Number(sbox.uidNext);
    const srcModseq = sbox.highestModseq !== undefined && !sbox.noModseq ? sbox.highestModseq : undefined;

    await dst.mailboxCreate(plan.destPath).catch((err: unknown) => {
      if (!/ALREADYEXISTS|already exists/i.test(errorMessage(err) + ((err as { serverResponseCode?: string }).serverResponseCode ?? '')))
        throw err;
    });
    const dstLock = await dst.getMailboxLock(plan.destPath);
    try {
      const dbox = dst.mailbox as Mailbox;
      const dstValidity = Number(dbox.uidValidity);
      const filterFlags = flagFilter(dbox.permanentFlags);

      const fstate = await store.folder(pc.migrationId, pc.accountKey, plan.sourcePath, plan.destPath);
      if (afterSwitch && fstate.destUidValidity !== null && fstate.destUidValidity !== dstValidity) {
        // the user deleted the folder and made a new one of the same name: nothing of the old one is copied again
        log.warn(
          { was: fstate.destUidValidity, now: dstValidity },
          'destination folder re-created by the user: its old messages stay removed',
        );
        result.removedByUser += await store.markAllRemoved(fstate.id);
      } else if (fstate.destUidValidity !== null && fstate.destUidValidity !== dstValidity) {
        log.warn({ was: fstate.destUidValidity, now: dstValidity }, 'destination UIDVALIDITY changed: matching by content hash');
        await store.clearMessages(fstate.id);
        // cleared with the records: the next listing is a full one
        Object.assign(fstate, {
          sourceHighestModseq: null,
          sourceUidNext: null,
          sourceMessages: null,
          destUidNext: null,
          destMessages: null,
        });
      }
      const destSame = fstate.destUidValidity === dstValidity;
      if (!destSame) await store.updateFolder(fstate.id, { destUidValidity: dstValidity });
      const counts = await store.counts(fstate.id, srcValidity);
      const srcExists = Number(sbox.exists);
      const dstExists = Number(dbox.exists);
      const dstUidNext = dbox.uidNext !== undefined ? Number(dbox.uidNext) : undefined;

      // ---- nothing changed on either side since the last complete pass: nothing to list
      if (
        mode !== 'full' &&
        !only &&
        destSame &&
        unchanged(fstate, counts, { srcValidity, srcUidNext, srcModseq, srcExists, dstUidNext, dstExists }) &&
        (!options.propagateDeletions || afterSwitch || counts.current === srcExists)
      ) {
        log.debug({ exists: srcExists, uidValidity: srcValidity }, 'folder unchanged on both sides since the last pass: nothing to list');
        result.sourceCount = srcExists;
        result.snapshot = folderSnapshot(srcValidity, srcUidNext, [], false);
        return;
      }

      // ---- source listing: everything, or only what changed (CONDSTORE) in a delta; by UID ranges
      const stale = counts.stale ? await store.staleMessages(fstate.id, srcValidity) : [];
      const useCondstore =
        mode !== 'full' &&
        srcModseq !== undefined &&
        fstate.sourceHighestModseq !== null &&
        fstate.sourceUidValidity === srcValidity &&
        !stale.length &&
        // no records but mail at the source: the markers outlived the state they described
        (counts.current > 0 || srcExists === 0) &&
        !only;
      const changedSince = useCondstore ? BigInt(fstate.sourceHighestModseq!) : undefined;
      const deletions = options.propagateDeletions && !afterSwitch && !only;
      if (stale.length) log.warn({ stale: stale.length }, 'source UIDVALIDITY changed: matching by content hash');

      // ---- destination: every UID (4 bytes each), and those no record accounts for (hashed only if something is copied)
      const destUids = await listAllUids(dst, dstUidNext);
      let unknownDest: number[] | undefined = destUids.without(await store.mappedDestUids(fstate.id, srcValidity));
      const appendLimit = appendLimitOf(dst, dbox as { appendLimit?: number });
      let pool: HashPool | undefined;
      const poolOf = async (): Promise<HashPool> => {
        if (pool) return pool;
        // destination messages nobody accounts for (another tool, an APPEND just before a crash): hashed,
        // only when there is something to copy, so the copy below recognises them
        pool = new HashPool();
        const knownHash = new Map<number, string>();
        for (const r of stale) if (r.destUid !== null && r.sha256) knownHash.set(r.destUid, r.sha256);
        const unknown: number[] = [];
        for (const u of unknownDest ?? []) {
          const h = knownHash.get(u);
          if (h) pool.add(h, u);
          else unknown.push(u);
        }
        unknownDest = undefined;
        if (unknown.length) {
          log.info({ count: unknown.length }, 'hashing destination messages not in the state store');
          const p = pool;
          for (const part of chunk(unknown, LIST_RANGE_MESSAGES))
            await hashMessages(dst, await listMessages(dst, compressUids(part), { withDate: false }), (uid, h) => p.add(h, uid), signal);
        }
        return pool;
      };
      const copyCtx = {
        pc,
        plan,
        src,
        dst,
        writer,
        folderId: fstate.id,
        srcValidity,
        destEncoded: encodeMailboxName(dbox.path),
        filterFlags,
        locator: new AppendLocator(dst, dstUidNext, destUids.max, signal),
        result,
        log,
      };

      let listed = 0;
      let maxListed = 0;
      let expunged = 0;
      const syncRange = async (r: UidRange, onlyUids?: string): Promise<number> => {
        checkAborted(signal);
        const listing = (await listMessages(src, onlyUids ?? r.set, { changedSince })).filter((m) => inRange(r, m.uid));
        // a retry of a few UIDs loads only their records
        const records = await store.loadMessages(fstate.id, { sourceUidValidity: srcValidity, from: r.from, to: r.to, uids: only });
        listed += listing.length;
        for (const m of listing) if (m.uid > maxListed) maxListed = m.uid;
        const metaByUid = new Map(listing.map((m) => [m.uid, m]));
        const current = new Map(records.map((x) => [x.sourceUid, x]));
        const vanished = records.filter(
          (x) => x.destUid !== null && x.status !== 'removed' && x.status !== 'skipped' && !destUids.has(x.destUid),
        );
        if (vanished.length && afterSwitch) {
          // deleted or moved by the user: recorded as removed, so no later pass copies them again
          log.info({ count: vanished.length }, 'copied messages removed on the destination by the user: not copying them again');
          const removed = vanished.map((x) => ({ ...x, destUid: null, status: 'removed' as const }));
          for (const x of removed) current.set(x.sourceUid, x);
          await store.putMessages(fstate.id, removed);
          result.removedByUser += removed.length;
        } else if (vanished.length) {
          log.warn({ count: vanished.length }, 'copied messages are gone from the destination: copying them again');
          for (const x of vanished) current.delete(x.sourceUid);
          await store.deleteMessages(fstate.id, vanished);
        }
        // metadata a CONDSTORE listing lacks: of vanished copies, and of copies never confirmed (no UIDPLUS), to look for again
        const needMeta = (afterSwitch ? [] : [...vanished, ...records.filter((x) => x.status === 'unconfirmed')])
          .filter((x) => !metaByUid.has(x.sourceUid))
          .map((x) => x.sourceUid);
        if (needMeta.length) for (const m of await listMessages(src, compressUids(needMeta))) metaByUid.set(m.uid, m);
        const work = planMessages({
          metas: metaByUid.values(),
          current,
          options,
          appendLimit,
          filterFlags,
          destFlags: afterSwitch ? await destFlagsOf(dst, metaByUid, current) : undefined,
        });
        const skippedRecords: MessageRecord[] = work.skipped.map(({ meta, reason }) => {
          result.skipped.push({ uid: meta.uid, size: meta.size, reason });
          return {
            sourceUidValidity: srcValidity,
            sourceUid: meta.uid,
            destUid: null,
            sha256: null,
            size: meta.size,
            flags: meta.flags,
            status: 'skipped',
            reason,
          };
        });
        await store.putMessages(fstate.id, skippedRecords);
        result.flagsUpdated += await applyFlagChanges(dst, store, fstate.id, work.flagGroups, signal);
        if (deletions && records.length) {
          // only from the source's own answer for this range: a failed UID SEARCH aborts the folder's pass
          const sourceUids = new Set([...(await searchUids(src, r.set))].filter((u) => inRange(r, u)));
          const d = await propagateDeletions(dst, store, fstate.id, current, sourceUids);
          result.deleted += d.records;
          expunged += d.expunged;
        }
        if (options.dryRun) result.skipped.push(...work.toCopy.map((m) => ({ uid: m.uid, size: m.size, reason: 'dry run' })));
        else if (work.toCopy.length) await copyMessages({ ...copyCtx, pool: await poolOf() }, work.toCopy);
        return Math.max(listing.length, records.length);
      };
      if (only) await syncRange({ from: 1, to: null, set: '1:*' }, compressUids(only));
      else await forEachUidRange(srcUidNext, (r) => syncRange(r));

      // a full listing shorter than the folder is a cut answer, never "fewer messages" (the folder starts over)
      const liveExists = Number((src.mailbox as Mailbox | false) ? (src.mailbox as Mailbox).exists : 0);
      if (!useCondstore && !only && listed < Math.min(srcExists, liveExists))
        throw new MigratorError('MIGRATOR_CONNECTION', `listing returned ${listed} of ${Math.min(srcExists, liveExists)} messages`);
      log.debug({ exists: srcExists, listed, useCondstore, uidValidity: srcValidity }, 'source listed');
      result.sourceCount = useCondstore || only ? srcExists : listed;
      result.snapshot = folderSnapshot(srcValidity, srcUidNext, [{ uid: maxListed }], !useCondstore && !only);
      if (options.dryRun) return;

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
          : {
              sourceUidNext: srcUidNext,
              sourceHighestModseq: srcModseq !== undefined ? String(srcModseq) : null,
              sourceMessages: srcExists,
              ...(await destMarkers(dst, plan.destPath, {
                known: !only && !result.unconfirmed.length && dstUidNext !== undefined,
                uidNext: Math.max(dstUidNext ?? 0, ((await store.counts(fstate.id, srcValidity)).maxDestUid ?? 0) + 1),
                messages: dstExists + result.copied - expunged,
              })),
            }),
      });
    } finally {
      dstLock.release();
    }
  } finally {
    srcLock.release();
  }
}

interface FolderNow {
  srcValidity: number;
  srcUidNext: number;
  srcModseq: bigint | undefined;
  srcExists: number;
  dstUidNext: number | undefined;
  dstExists: number;
}

/**
 * Whether neither side changed since the last complete pass: the same source UIDVALIDITY, UIDNEXT and
 * MESSAGES (so the same UIDs: none added, none removed) and HIGHESTMODSEQ (no flag changed), the same
 * destination UIDNEXT and MESSAGES (none of its copies gone, nothing added), and no record that every
 * pass must weigh again (skipped by policy, unconfirmed) or of an older UIDVALIDITY.
 */
export function unchanged(f: FolderState, counts: RecordCounts, now: FolderNow): boolean {
  return (
    now.srcModseq !== undefined &&
    f.sourceHighestModseq === String(now.srcModseq) &&
    f.sourceUidValidity === now.srcValidity &&
    Number.isFinite(now.srcUidNext) &&
    f.sourceUidNext === now.srcUidNext &&
    f.sourceMessages === now.srcExists &&
    now.dstUidNext !== undefined &&
    f.destUidNext === now.dstUidNext &&
    f.destMessages === now.dstExists &&
    counts.stale === 0 &&
    counts.pending === 0
  );
}

/**
 * The destination's UIDNEXT and MESSAGES after the pass, kept only when they are what the pass itself
 * accounts for (what it found, plus what it appended, minus what it expunged): anything else (the user or
 * another tool at work meanwhile) leaves them unknown, and the next delta lists the folder.
 */
async function destMarkers(
  dst: ImapFlow,
  destPath: string,
  expected: { known: boolean; uidNext: number; messages: number },
): Promise<Pick<FolderState, 'destUidNext' | 'destMessages'>> {
  const none = { destUidNext: null, destMessages: null };
  if (!expected.known) return none;
  // the APPENDs came over the writer's session: Dovecot answers STATUS of the selected mailbox from this
  // session's view, which a NOOP brings up to date
  await dst.noop();
  const st = await dst.status(destPath, { messages: true, uidNext: true });
  if (!st || st.messages !== expected.messages || st.uidNext !== expected.uidNext) return none;
  return { destUidNext: st.uidNext, destMessages: st.messages };
}

/** Every UID of the selected destination folder, by UID ranges. */
async function listAllUids(dst: ImapFlow, uidNext: number | undefined): Promise<UidList> {
  const b = new UidListBuilder();
  let n = 0;
  await forEachUidRange(uidNext, async (r) => {
    const got = (await listUids(dst, r.set)).filter((u) => inRange(r, u));
    for (const u of got) b.push(u);
    n += got.length;
    return got.length;
  });
  const expected = Number((dst.mailbox as Mailbox).exists ?? 0);
  if (n < expected) throw new MigratorError('MIGRATOR_CONNECTION', `destination listing returned ${n} of ${expected} messages`);
  return b.build();
}

/** A catch-up pass: the destination flags of the copies whose source flags changed (the user's may differ). */
async function destFlagsOf(
  dst: ImapFlow,
  metas: ReadonlyMap<number, MessageMeta>,
  current: ReadonlyMap<number, MessageRecord>,
): Promise<Map<number, string[]>> {
  const uids: number[] = [];
  for (const m of metas.values()) {
    const r = current.get(m.uid);
    if (r && r.destUid !== null && r.status !== 'skipped' && r.status !== 'unconfirmed' && !sameFlags(r.flags, m.flags))
      uids.push(r.destUid);
  }
  const out = new Map<number, string[]>();
  if (uids.length) for (const m of await listMessages(dst, compressUids(uids), { withDate: false })) out.set(m.uid, m.flags);
  return out;
}

function appendLimitOf(dst: ImapFlow, box: { appendLimit?: number }): number | undefined {
  if (typeof box.appendLimit === 'number') return box.appendLimit;
  const cap = dst.capabilities.get('APPENDLIMIT');
  return typeof cap === 'number' ? cap : undefined;
}

/**
 * A catch-up pass: the folder was synced before (its state names a destination UIDVALIDITY) and is
 * gone from the destination now, so the user deleted (or renamed) it after the switch.
 */
async function removedByUser(pc: PassContext, plan: FolderPlan, dst: ImapFlow): Promise<boolean> {
  const prior = await pc.store.findFolder(pc.accountKey, plan.sourcePath);
  if (!prior || prior.destPath !== plan.destPath || prior.destUidValidity === null) return false;
  return !(await folderExists(dst, plan.destPath));
}
