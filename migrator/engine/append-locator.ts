// Destinations without UIDPLUS (RFC 4315) answer APPEND without APPENDUID. Without the destination
// UID a record could never be re-checked: a copy lost later would stay missing. The UIDs are found on
// the selected destination connection instead: among the messages above every UID that existed
// before (the folder's UIDNEXT at SELECT, then what the last lookup saw), those with the item's
// RFC822.SIZE are read (BODY.PEEK[]) and the one whose SHA-256 equals the source hash is taken.
import type { ImapFlow } from 'imapflow';
import { hashMessages, listMessages } from './messages';
import { UidIntervals } from './uid-ranges';

export class AppendLocator {
  /** No message appended from now on can have a lower UID. */
  private floor: number;
  /** Destination UIDs that belong to something else already (APPENDUID, found earlier), as UID intervals:
   * APPENDUIDs come in ascending runs, so a folder of 500,000 copies holds a handful of intervals. */
  private readonly claimed = new UidIntervals();

  constructor(
    private readonly dst: ImapFlow,
    uidNext: number | undefined,
    /** the highest destination UID that existed before (every one at or below it belongs to something else) */
    highestExisting: number,
    private readonly signal?: AbortSignal,
  ) {
    this.floor = Math.max(Number.isFinite(uidNext) ? uidNext! : 1, highestExisting + 1);
  }

  /** A destination UID taken otherwise (APPENDUID, found by hash): never handed out for an item. */
  claim(uid: number): void {
    this.claimed.add(uid);
  }

  /**
   * Destination UIDs of items just APPENDed, in their order; null where no new message has the
   * item's bytes (expunged meanwhile, or stored differently): such a copy stays unconfirmed.
   */
  async locate(items: ReadonlyArray<{ size: number; hash: string }>): Promise<Array<number | null>> {
    if (!items.length) return [];
    // the writer is another session: a NOOP lets this one see what it appended (EXISTS)
    await this.dst.noop();
    // "N:*" answers the highest message even when it is below N
    const listed = (await listMessages(this.dst, `${this.floor}:*`, { withDate: false })).filter((m) => m.uid >= this.floor);
    const sizes = new Set(items.map((i) => i.size));
    const candidates = listed.filter((m) => !this.claimed.has(m.uid) && sizes.has(m.size));
    const byHash = new Map<string, number[]>();
    await hashMessages(
      this.dst,
      candidates,
      (uid, h) => {
        const l = byHash.get(h);
        if (l) l.push(uid);
        else byHash.set(h, [uid]);
      },
      this.signal,
    );
    for (const l of byHash.values()) l.sort((a, b) => a - b);
    // the same bytes appended twice: UIDs in append order
    const out = items.map((it) => byHash.get(it.hash)?.shift() ?? null);
    for (const u of out) if (u !== null) this.claimed.add(u);
    for (const m of listed) if (m.uid >= this.floor) this.floor = m.uid + 1;
    return out;
  }
}
