// A folder walked in UID ranges, each aiming at LIST_RANGE_MESSAGES messages, so that nothing of a
// big folder (listings, records) is held whole. The last range is open ("N:*"), so a message that
// arrives while the pass runs is still listed, as a "1:*" listing would list it.
import { LIST_RANGE_MAX_UIDS, LIST_RANGE_MESSAGES } from '../limits';

export interface UidRange {
  from: number;
  /** null: no upper bound (the last range) */
  to: number | null;
  /** the IMAP UID set */
  set: string;
}

/** Whether `uid` belongs to `r` ("N:*" also answers the highest message below N: callers filter). */
export function inRange(r: UidRange, uid: number): boolean {
  return uid >= r.from && (r.to === null || uid <= r.to);
}

/**
 * Calls `each` for consecutive ranges from UID 1 up to `uidNext` (UIDNEXT at SELECT/EXAMINE), the last
 * one open; `each` answers how many messages (or records) the range held, and the next range widens or
 * narrows toward LIST_RANGE_MESSAGES. Without UIDNEXT the folder is one range, "1:*".
 */
export async function forEachUidRange(uidNext: number | undefined, each: (r: UidRange) => Promise<number>): Promise<void> {
  const top = uidNext !== undefined && Number.isFinite(uidNext) && uidNext > 1 ? uidNext - 1 : 0;
  let width = LIST_RANGE_MESSAGES;
  for (let from = 1; ;) {
    const to = from + width - 1;
    if (to >= top) {
      await each({ from, to: null, set: `${from}:*` });
      return;
    }
    const n = await each({ from, to, set: `${from}:${to}` });
    from = to + 1;
    if (n < LIST_RANGE_MESSAGES / 2) width = Math.min(width * 2, LIST_RANGE_MAX_UIDS);
    else if (n > LIST_RANGE_MESSAGES * 2) width = Math.max(Math.floor(width / 2), LIST_RANGE_MESSAGES);
  }
}

/** Where `x` stands in an ascending array (numbers, or strings in code-unit order), by binary search; -1 when absent. */
export function sortedIndexOf<T extends number | string>(sorted: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Sorted UIDs with a membership test by binary search: 4 bytes a UID instead of a Set's ~40. */
export class UidList {
  private readonly uids: Uint32Array;
  constructor(sorted: Uint32Array) {
    this.uids = sorted;
  }
  static from(uids: Iterable<number>): UidList {
    const a = Uint32Array.from(uids);
    a.sort();
    return new UidList(a);
  }
  get size(): number {
    return this.uids.length;
  }
  get max(): number {
    return this.uids.length ? this.uids[this.uids.length - 1] : 0;
  }
  has(uid: number): boolean {
    return sortedIndexOf(this.uids, uid) !== -1;
  }
  /** UIDs of this list that are not in `sortedOther` (ascending). */
  without(sortedOther: readonly number[]): number[] {
    const out: number[] = [];
    let j = 0;
    for (const u of this.uids) {
      while (j < sortedOther.length && sortedOther[j] < u) j++;
      if (j < sortedOther.length && sortedOther[j] === u) continue;
      out.push(u);
    }
    return out;
  }
}

/** Grows a Uint32Array as UIDs are appended. */
export class UidListBuilder {
  private buf = new Uint32Array(1024);
  private n = 0;
  push(uid: number): void {
    if (this.n === this.buf.length) {
      const next = new Uint32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = uid;
  }
  build(): UidList {
    const a = this.buf.slice(0, this.n);
    a.sort();
    return new UidList(a);
  }
}

/** A set of UIDs kept as sorted disjoint intervals: small when the UIDs come in runs (APPENDUIDs). */
export class UidIntervals {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Index of the last interval starting at or below `uid`, or -1. */
  private find(uid: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= uid) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  }

  has(uid: number): boolean {
    const i = this.find(uid);
    return i >= 0 && uid <= this.ends[i];
  }

  add(uid: number): void {
    const i = this.find(uid);
    if (i >= 0 && uid <= this.ends[i]) return;
    const joinsLeft = i >= 0 && this.ends[i] === uid - 1;
    const joinsRight = i + 1 < this.starts.length && this.starts[i + 1] === uid + 1;
    if (joinsLeft && joinsRight) {
      this.ends[i] = this.ends[i + 1];
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    } else if (joinsLeft) this.ends[i] = uid;
    else if (joinsRight) this.starts[i + 1] = uid;
    else {
      this.starts.splice(i + 1, 0, uid);
      this.ends.splice(i + 1, 0, uid);
    }
  }

  /** How many intervals (not UIDs) it holds. */
  get intervals(): number {
    return this.starts.length;
  }
}
