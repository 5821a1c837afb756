import { LIST_RANGE_MESSAGES } from '../limits';
import { UidIntervals, UidList, UidListBuilder, forEachUidRange, inRange } from './uid-ranges';
import { unchanged } from './folder-sync';
import type { FolderState, RecordCounts } from '../state/store';

async function ranges(uidNext: number | undefined, count: (from: number, to: number | null) => number) {
  const out: Array<{ from: number; to: number | null; set: string }> = [];
  await forEachUidRange(uidNext, async (r) => {
    out.push(r);
    return count(r.from, r.to);
  });
  return out;
}

describe('UID ranges of a folder pass', () => {
  it('covers 1 up to UIDNEXT without gaps, the last range open', async () => {
    const dense = (from: number, to: number | null) => (to ?? 12_000) - from + 1;
    const r = await ranges(12_001, dense);
    expect(r.map((x) => x.set)).toEqual([
      `1:${LIST_RANGE_MESSAGES}`,
      `${LIST_RANGE_MESSAGES + 1}:${2 * LIST_RANGE_MESSAGES}`,
      `${2 * LIST_RANGE_MESSAGES + 1}:*`,
    ]);
    for (let i = 1; i < r.length; i++) expect(r[i].from).toBe((r[i - 1].to ?? 0) + 1);
    expect(r[r.length - 1].to).toBeNull();
  });

  it('is one open range without UIDNEXT or for an empty folder', async () => {
    expect((await ranges(undefined, () => 0)).map((x) => x.set)).toEqual(['1:*']);
    expect((await ranges(1, () => 0)).map((x) => x.set)).toEqual(['1:*']);
  });

  it('widens over a sparse folder, so few UIDs far apart cost few round trips', async () => {
    const r = await ranges(10_000_000, () => 10);
    expect(r.length).toBeLessThan(30);
    expect(r[r.length - 1].to).toBeNull();
  });

  it('filters what "N:*" answers below N', () => {
    expect(inRange({ from: 10, to: null, set: '10:*' }, 9)).toBe(false);
    expect(inRange({ from: 10, to: null, set: '10:*' }, 10)).toBe(true);
    expect(inRange({ from: 1, to: 5, set: '1:5' }, 6)).toBe(false);
  });

  it('UidList answers membership, its highest UID and what another sorted list lacks', () => {
    const b = new UidListBuilder();
    for (const u of [5, 3, 9000, 1, 2048]) b.push(u);
    for (let u = 10_000; u < 12_000; u++) b.push(u); // grows past its first buffer
    const l = b.build();
    expect(l.size).toBe(2005);
    expect(l.max).toBe(11_999);
    expect([1, 3, 4, 5, 9000, 11_999, 12_000].map((u) => l.has(u))).toEqual([true, true, false, true, true, true, false]);
    expect(UidList.from([1, 2, 3, 7]).without([2, 7, 8])).toEqual([1, 3]);
  });
});

describe('UidIntervals', () => {
  it('holds ascending runs as few intervals, and any order exactly', () => {
    const c = new UidIntervals();
    for (let u = 100; u < 100_100; u++) c.add(u);
    expect(c.intervals).toBe(1);
    for (const u of [50, 52, 51, 100_100, 7, 100_102]) c.add(u);
    expect(c.intervals).toBe(4); // 7, 50-52, 100-100100, 100102
    const want = new Set([7, 50, 51, 52, 100, 5000, 100_099, 100_100, 100_102]);
    for (const u of [6, 7, 8, 49, 50, 51, 52, 53, 99, 100, 5000, 100_099, 100_100, 100_101, 100_102, 100_103])
      expect([u, c.has(u)]).toEqual([u, want.has(u)]);
    c.add(100_101); // joins two intervals
    expect(c.intervals).toBe(3);
    expect(c.has(100_101)).toBe(true);
  });
});

describe('no-op delta: unchanged()', () => {
  const folder: FolderState = {
    id: 1,
    sourcePath: 'INBOX',
    destPath: 'INBOX',
    sourceUidValidity: 7,
    sourceUidNext: 101,
    sourceHighestModseq: '55',
    destUidValidity: 9,
    sourceMessages: 100,
    destUidNext: 201,
    destMessages: 100,
  };
  const counts: RecordCounts = { current: 100, stale: 0, pending: 0, maxDestUid: 200, bytes: 1 };
  const now = { srcValidity: 7, srcUidNext: 101, srcModseq: 55n, srcExists: 100, dstUidNext: 201, dstExists: 100 };

  it('holds only when both sides are as the last complete pass left them', () => {
    expect(unchanged(folder, counts, now)).toBe(true);
    // a flag changed, a message arrived, one was expunged at the source (UIDNEXT the same), a new UIDVALIDITY
    expect(unchanged(folder, counts, { ...now, srcModseq: 56n })).toBe(false);
    expect(unchanged(folder, counts, { ...now, srcUidNext: 102, srcExists: 101 })).toBe(false);
    expect(unchanged(folder, counts, { ...now, srcExists: 99 })).toBe(false);
    expect(unchanged(folder, counts, { ...now, srcValidity: 8 })).toBe(false);
    // a copy gone from the destination, or something appended there
    expect(unchanged(folder, counts, { ...now, dstExists: 99 })).toBe(false);
    expect(unchanged(folder, counts, { ...now, dstUidNext: 202, dstExists: 101 })).toBe(false);
    // no CONDSTORE, no UIDNEXT, or markers the last pass could not vouch for
    expect(unchanged(folder, counts, { ...now, srcModseq: undefined })).toBe(false);
    expect(unchanged(folder, counts, { ...now, dstUidNext: undefined })).toBe(false);
    expect(unchanged({ ...folder, destUidNext: null, destMessages: null }, counts, now)).toBe(false);
    expect(unchanged({ ...folder, sourceMessages: null }, counts, now)).toBe(false);
    // records every pass weighs again (skipped by policy, unconfirmed) or of an older UIDVALIDITY
    expect(unchanged(folder, { ...counts, pending: 1 }, now)).toBe(false);
    expect(unchanged(folder, { ...counts, stale: 1 }, now)).toBe(false);
  });
});
