import type { MessageRecord } from '../state/store';
import { flagFilter, planDeletions, planMessages, reconcileRecords } from './folder-plan';

const rec = (uid: number, over: Partial<MessageRecord> = {}): MessageRecord => ({
  sourceUidValidity: 7,
  sourceUid: uid,
  destUid: uid + 100,
  sha256: `h${uid}`,
  size: 10,
  flags: [],
  status: 'copied',
  ...over,
});
const meta = (uid: number, size = 10, flags: string[] = []) => ({ uid, size, flags });

describe('folder plan', () => {
  it('splits records into current, stale and vanished', () => {
    const r = reconcileRecords(
      [rec(1), rec(2), rec(3, { sourceUidValidity: 6 }), rec(4, { status: 'skipped', destUid: null })],
      7,
      new Set([101]),
    );
    expect([...r.current.keys()]).toEqual([1, 2, 4]);
    expect(r.stale.map((x) => x.sourceUid)).toEqual([3]);
    expect(r.vanished.map((x) => x.sourceUid)).toEqual([2]);
    expect([...r.mappedDest]).toEqual([101]);
  });

  it('copies what no record has, groups flag changes, skips over the cap', () => {
    const current = new Map([
      [1, rec(1)],
      [2, rec(2, { flags: ['\\Seen'] })],
    ]);
    const p = planMessages({
      metas: [meta(3), meta(1, 10, ['\\Flagged']), meta(2, 10, ['\\Seen']), meta(5, 5000)],
      current,
      options: { maxMessageBytes: 1000, syncFlags: true },
      filterFlags: flagFilter(undefined),
    });
    expect(p.toCopy.map((m) => m.uid)).toEqual([3]);
    expect(p.flagGroups).toEqual([{ flags: ['\\Flagged'], uids: [101], records: [rec(1, { flags: ['\\Flagged'] })] }]);
    expect(p.skipped).toEqual([{ meta: meta(5, 5000), reason: 'larger than size cap 1000' }]);
  });

  it("after the switch: a removed record is neither vanished nor copied again; the user's flags win", () => {
    const records = [rec(1), rec(2, { flags: ['\\Seen'] }), rec(3, { destUid: null, status: 'removed' })];
    const r = reconcileRecords(records, 7, new Set([101, 102]));
    expect(r.vanished).toEqual([]);
    const p = planMessages({
      // the source marks 1 and 2 \Flagged; on the destination the user had already changed 2
      metas: [meta(1, 10, ['\\Flagged']), meta(2, 10, ['\\Flagged', '\\Seen']), meta(3), meta(4)],
      current: r.current,
      options: { syncFlags: true },
      filterFlags: flagFilter(undefined),
      destFlags: new Map([
        [101, []],
        [102, ['\\Answered']],
      ]),
    });
    expect(p.toCopy.map((m) => m.uid)).toEqual([4]);
    expect(p.flagGroups.map((g) => g.uids)).toEqual([[101]]);
  });

  it('an unconfirmed copy (no UIDPLUS, not found by hash) is planned again before the switch, left alone after it', () => {
    const current = new Map([[1, rec(1, { destUid: null, status: 'unconfirmed' })]]);
    expect(reconcileRecords([...current.values()], 7, new Set()).vanished).toEqual([]);
    const plan = (destFlags?: Map<number, string[]>) =>
      planMessages({ metas: [meta(1)], current, options: { syncFlags: true }, filterFlags: flagFilter(undefined), destFlags });
    expect(plan().toCopy.map((m) => m.uid)).toEqual([1]);
    expect(plan(new Map()).toCopy).toEqual([]);
  });

  it('deletes only what is recorded and gone from the source', () => {
    const current = new Map([
      [1, rec(1)],
      [2, rec(2)],
      [3, rec(3, { destUid: null, status: 'skipped' })],
    ]);
    const d = planDeletions(current, new Set([1]));
    expect(d.gone.map((r) => r.sourceUid)).toEqual([2, 3]);
    expect(d.destUidSet).toBe('102');
  });

  it('keeps only the flags the destination accepts', () => {
    expect(flagFilter(new Set(['\\Seen']))(['\\Seen', 'Work'])).toEqual({ kept: ['\\Seen'], refused: ['Work'] });
    expect(flagFilter(new Set(['\\Seen', '\\*']))(['\\Seen', 'Work', '\\Draft'])).toEqual({
      kept: ['\\Seen', 'Work'],
      refused: ['\\Draft'],
    });
  });
});
