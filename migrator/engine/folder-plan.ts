// The pure part of a folder pass: given the state store's records and both servers' listings,
// decide what is already there, what vanished, whose flags changed, what is skipped by policy,
// what to copy and what to delete. No IMAP and no store here, so it is unit tested on plain data.
import { compressUids } from '../../platform/mail/uidset';
import type { MigrationOptions } from '../options';
import type { MessageRecord } from '../state/store';
import { type MessageMeta, sameFlags } from './messages';

export type FlagFilter = (flags: readonly string[]) => { kept: string[]; refused: string[] };

/** Which flags the selected destination mailbox keeps (PERMANENTFLAGS; \* = any keyword). */
export function flagFilter(permanent: Set<string> | undefined): FlagFilter {
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

export interface ReconciledRecords {
  /** Records of the current source UIDVALIDITY, by source UID. */
  current: Map<number, MessageRecord>;
  /** Records of an older source UIDVALIDITY: their destination copies are known by hash. */
  stale: MessageRecord[];
  /** Records whose destination message is gone. */
  vanished: MessageRecord[];
  /** Destination UIDs a current record accounts for. */
  mappedDest: Set<number>;
}

/** Splits the folder's records against the source UIDVALIDITY and what the destination really holds. */
export function reconcileRecords(records: readonly MessageRecord[], srcValidity: number, destUids: ReadonlySet<number>): ReconciledRecords {
  const current = new Map<number, MessageRecord>();
  const stale: MessageRecord[] = [];
  for (const r of records) {
    if (r.sourceUidValidity === srcValidity) current.set(r.sourceUid, r);
    else stale.push(r);
  }
  const mappedDest = new Set<number>();
  const vanished: MessageRecord[] = [];
  for (const r of current.values()) {
    if (r.destUid === null || r.status === 'removed') continue;
    if (destUids.has(r.destUid)) mappedDest.add(r.destUid);
    else if (r.status !== 'skipped') vanished.push(r);
  }
  return { current, stale, vanished, mappedDest };
}

export interface FlagGroup {
  flags: string[];
  uids: number[];
  records: MessageRecord[];
}

export interface MessagePlan {
  toCopy: MessageMeta[];
  /** One STORE per distinct flag set of already copied messages. */
  flagGroups: FlagGroup[];
  skipped: Array<{ meta: MessageMeta; reason: string }>;
}

/**
 * Per source message: copy it, update its flags on the destination, skip it by policy, or leave it.
 * With `destFlags` (a catch-up pass, after the switch) a source flag change is applied only where the
 * destination still has exactly the flags the migrator last set: otherwise the user changed them, and
 * the user's change wins.
 */
export function planMessages(input: {
  metas: Iterable<MessageMeta>;
  current: ReadonlyMap<number, MessageRecord>;
  options: Pick<MigrationOptions, 'maxMessageBytes' | 'syncFlags'>;
  appendLimit?: number;
  filterFlags: FlagFilter;
  destFlags?: ReadonlyMap<number, readonly string[]>;
}): MessagePlan {
  const { options, appendLimit } = input;
  const toCopy: MessageMeta[] = [];
  const groups = new Map<string, FlagGroup>();
  const skipped: MessagePlan['skipped'] = [];
  const cap = Math.min(options.maxMessageBytes ?? Infinity, appendLimit ?? Infinity);
  for (const m of input.metas) {
    const r = input.current.get(m.uid);
    // an APPEND whose copy was not found (no UIDPLUS): after the switch it is left alone (the user may
    // have moved it); before, it is copied again unless the copy step finds its bytes on the destination
    if (r?.status === 'unconfirmed' && input.destFlags) continue;
    if (r && r.status !== 'skipped' && r.status !== 'unconfirmed') {
      if (r.destUid === null || !options.syncFlags || sameFlags(r.flags, m.flags)) continue;
      if (input.destFlags && !sameFlags([...input.filterFlags(r.flags).kept].sort(), input.destFlags.get(r.destUid) ?? [])) continue;
      const { kept } = input.filterFlags(m.flags);
      const key = kept.join(' ');
      const g = groups.get(key) ?? { flags: kept, uids: [], records: [] };
      g.uids.push(r.destUid);
      g.records.push({ ...r, flags: m.flags });
      groups.set(key, g);
      continue;
    }
    // a skip is no verdict for ever: a message skipped earlier is weighed again against today's cap
    if (m.size > cap) {
      const reason =
        options.maxMessageBytes !== undefined && m.size > options.maxMessageBytes
          ? `larger than size cap ${options.maxMessageBytes}`
          : `larger than destination APPENDLIMIT ${appendLimit}`;
      skipped.push({ meta: m, reason });
      continue;
    }
    toCopy.push(m);
  }
  toCopy.sort((a, b) => a.uid - b.uid);
  return { toCopy, flagGroups: [...groups.values()], skipped };
}

/** Records of messages no longer at the source (deletion propagation): what to expunge on the destination. */
export function planDeletions(
  current: ReadonlyMap<number, MessageRecord>,
  sourceUids: ReadonlySet<number>,
): { gone: MessageRecord[]; destUidSet: string | null } {
  const gone = [...current.values()].filter((r) => !sourceUids.has(r.sourceUid));
  const destGone = gone.filter((r) => r.destUid !== null).map((r) => r.destUid!);
  return { gone, destUidSet: destGone.length ? compressUids(destGone) : null };
}

/** Groups messages by the flags the destination keeps, for one STORE per distinct set. */
export function groupByFlags(items: ReadonlyArray<{ destUid: number; flags: readonly string[] }>, filterFlags: FlagFilter): FlagGroup[] {
  const groups = new Map<string, FlagGroup>();
  for (const it of items) {
    const { kept } = filterFlags(it.flags);
    const key = kept.join(' ');
    const g = groups.get(key) ?? { flags: kept, uids: [], records: [] };
    g.uids.push(it.destUid);
    groups.set(key, g);
  }
  return [...groups.values()];
}
