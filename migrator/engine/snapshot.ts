// The source snapshot a pass copied, per folder: its UIDVALIDITY and the highest UID it could list.
// IMAP gives a new message a UID above every earlier one, so "UID <= lastUid under that UIDVALIDITY"
// names exactly the messages that were at the source when the pass looked; anything above arrived later.
// A cut-over verifies against the final delta's snapshot (verify.ts): mail that reaches the source
// between the delta and the verification is a newcomer for the catch-up, not a missing message.
import type { PassResult } from '../report';

export interface FolderSnapshot {
  uidValidity: number;
  lastUid: number;
}

/** Source path → what the pass saw of that folder. */
export type SourceSnapshot = Record<string, FolderSnapshot>;

/**
 * The highest UID the pass's listing may hold: UIDNEXT - 1 at EXAMINE, or higher when a message arrived
 * before the listing and was listed (and copied). Without UIDNEXT only a full listing tells; a partial
 * (CONDSTORE, onlyUids) listing then yields no snapshot, and the folder is verified in full.
 */
export function folderSnapshot(
  uidValidity: number,
  uidNext: number,
  listed: Iterable<{ uid: number }>,
  fullListing: boolean,
): FolderSnapshot | undefined {
  const known = Number.isFinite(uidNext) && uidNext > 0;
  if (!known && !fullListing) return undefined;
  let lastUid = known ? uidNext - 1 : 0;
  for (const m of listed) if (m.uid > lastUid) lastUid = m.uid;
  return { uidValidity, lastUid };
}

/** The snapshot of every folder the pass looked at (a folder it never opened has none: verified in full). */
export function sourceSnapshot(pass: Pick<PassResult, 'folders'>): SourceSnapshot {
  const out: SourceSnapshot = {};
  for (const f of pass.folders) if (f.snapshot) out[f.sourcePath] = f.snapshot;
  return out;
}
