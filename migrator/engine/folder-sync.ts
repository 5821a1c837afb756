// One folder, one pass: reconcile the state store with both servers (folder-plan.ts, pure), sync
// flags of what is already there (folder-flags.ts), optionally propagate deletions
// (folder-deletions.ts) and copy what is not there (folder-copy.ts). Safe to repeat at any point:
// a message appended just before a crash is found on the destination by its hash.
import type { ImapFlow } from 'imapflow';
import { errorMessage } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import { encodeMailboxName } from '../imap/mailbox-name';
import type { RawImapConnection } from '../imap/raw-append';
import type { PassMode } from '../options';
import { compressUids } from '../../platform/mail/uidset';
import type { MessageRecord } from '../state/store';
import { AppendLocator } from './append-locator';
import type { PassContext } from './context';
import { HashPool, copyMessages } from './folder-copy';
import { allUids, propagateDeletions } from './folder-deletions';
import { applyFlagChanges } from './folder-flags';
import { flagFilter, planMessages, reconcileRecords } from './folder-plan';
import type { FolderPassResult } from './folder-result';
import { type MessageMeta, assertSelected, folderExists, hashMessages, listMessages } from './messages';
import { folderSnapshot } from './snapshot';

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
        const removed = (await store.loadMessages(fstate.id))
          .filter((r) => r.status !== 'skipped' && r.status !== 'removed')
          .map((r) => ({ ...r, destUid: null, status: 'removed' as const }));
        await store.putMessages(fstate.id, removed);
        result.removedByUser += removed.length;
      } else if (fstate.destUidValidity !== null && fstate.destUidValidity !== dstValidity) {
        log.warn({ was: fstate.destUidValidity, now: dstValidity }, 'destination UIDVALIDITY changed: matching by content hash');
        await store.clearMessages(fstate.id);
        fstate.sourceHighestModseq = null; // cleared with the records: the next listing is a full one
        fstate.sourceUidNext = null;
      }
      if (fstate.destUidValidity !== dstValidity) await store.updateFolder(fstate.id, { destUidValidity: dstValidity });
      const records = await store.loadMessages(fstate.id);

      // ---- source listing: everything, or only what changed (CONDSTORE) in a delta
      const hasStale = records.some((r) => r.sourceUidValidity !== srcValidity);
      const useCondstore =
        mode !== 'full' &&
        srcModseq !== undefined &&
        fstate.sourceHighestModseq !== null &&
        fstate.sourceUidValidity === srcValidity &&
        !hasStale &&
        // no records but mail at the source: the markers outlived the state they described
        (records.length > 0 || Number(sbox.exists) === 0) &&
        !only;
      const listing = useCondstore
        ? await listMessages(src, '1:*', { changedSince: BigInt(fstate.sourceHighestModseq!) })
        : await listMessages(src, only ? compressUids(only) : '1:*');
      const metaByUid = new Map(listing.map((m) => [m.uid, m]));
      let sourceUids: Set<number> | undefined = useCondstore ? undefined : new Set(listing.map((m) => m.uid));
      const deletions = options.propagateDeletions && !afterSwitch && !only;
      if (!sourceUids && deletions) sourceUids = await allUids(src);
      log.debug({ exists: sbox.exists, listed: listing.length, useCondstore, uidValidity: srcValidity }, 'source listing');
      result.sourceCount = useCondstore || only ? Number(sbox.exists) : listing.length;
      result.snapshot = folderSnapshot(srcValidity, srcUidNext, listing, !useCondstore && !only);

      // ---- destination listing: what is really there
      const destMetas = await listMessages(dst, '1:*', { withDate: false });
      const { current, stale, vanished, mappedDest } = reconcileRecords(records, srcValidity, new Set(destMetas.map((m) => m.uid)));
      if (stale.length) log.warn({ stale: stale.length }, 'source UIDVALIDITY changed: matching by content hash');
      if (vanished.length && afterSwitch) {
        // deleted or moved by the user: recorded as removed, so no later pass copies them again
        log.info({ count: vanished.length }, 'copied messages removed on the destination by the user: not copying them again');
        const removed = vanished.map((r) => ({ ...r, destUid: null, status: 'removed' as const }));
        for (const r of removed) current.set(r.sourceUid, r);
        await store.putMessages(fstate.id, removed);
        result.removedByUser += removed.length;
      } else if (vanished.length) {
        log.warn({ count: vanished.length }, 'copied messages are gone from the destination: copying them again');
        for (const r of vanished) current.delete(r.sourceUid);
        await store.deleteMessages(fstate.id, vanished);
      }
      // ---- what to do per source message
      // metadata a CONDSTORE listing lacks: of vanished copies, and of copies never confirmed (no UIDPLUS), to look for again
      const unconfirmed = [...current.values()].filter((r) => r.status === 'unconfirmed');
      const needMeta = (afterSwitch ? [] : [...vanished, ...unconfirmed])
        .filter((r) => !metaByUid.has(r.sourceUid))
        .map((r) => r.sourceUid);
      if (needMeta.length) for (const m of await listMessages(src, compressUids(needMeta))) metaByUid.set(m.uid, m);
      const work = planMessages({
        metas: metaByUid.values(),
        current,
        options,
        appendLimit: appendLimitOf(dst, dbox as { appendLimit?: number }),
        filterFlags,
        destFlags: afterSwitch ? new Map(destMetas.map((m) => [m.uid, m.flags])) : undefined,
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
      if (deletions && sourceUids) result.deleted += await propagateDeletions(dst, store, fstate.id, current, sourceUids);

      // destination messages nobody accounts for (another tool, an APPEND just before a crash): hashed,
      // only when there is something to copy, so the copy below recognises them
      const pool = new HashPool();
      if (work.toCopy.length) {
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
      }

      if (options.dryRun) {
        result.skipped.push(...work.toCopy.map((m) => ({ uid: m.uid, size: m.size, reason: 'dry run' })));
        return;
      }
      await copyMessages(
        {
          pc,
          plan,
          src,
          dst,
          writer,
          folderId: fstate.id,
          srcValidity,
          destEncoded: encodeMailboxName(dbox.path),
          filterFlags,
          pool,
          locator: new AppendLocator(
            dst,
            dbox.uidNext !== undefined ? Number(dbox.uidNext) : undefined,
            destMetas.map((m) => m.uid),
            signal,
          ),
          result,
          log,
        },
        work.toCopy,
      );

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

/**
 * A catch-up pass: the folder was synced before (its state names a destination UIDVALIDITY) and is
 * gone from the destination now, so the user deleted (or renamed) it after the switch.
 */
async function removedByUser(pc: PassContext, plan: FolderPlan, dst: ImapFlow): Promise<boolean> {
  const prior = await pc.store.findFolder(pc.accountKey, plan.sourcePath);
  if (!prior || prior.destPath !== plan.destPath || prior.destUidValidity === null) return false;
  return !(await folderExists(dst, plan.destPath));
}
