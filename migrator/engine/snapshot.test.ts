import { folderSnapshot, sourceSnapshot } from './snapshot';
import { emptyFolderResult } from './folder-result';

const uids = (...n: number[]) => n.map((uid) => ({ uid }));

describe('source snapshot of a pass', () => {
  it('is UIDNEXT - 1, or a higher UID the listing held (a message that arrived before the listing)', () => {
    expect(folderSnapshot(7, 4, uids(1, 2, 3), true)).toEqual({ uidValidity: 7, lastUid: 3 });
    expect(folderSnapshot(7, 4, uids(2, 4), false)).toEqual({ uidValidity: 7, lastUid: 4 });
    // a CONDSTORE delta lists only changes: UIDNEXT still bounds what was there
    expect(folderSnapshot(7, 10, uids(9), false)).toEqual({ uidValidity: 7, lastUid: 9 });
    expect(folderSnapshot(7, 1, [], true)).toEqual({ uidValidity: 7, lastUid: 0 });
  });

  it('without UIDNEXT, only a full listing tells what was there', () => {
    expect(folderSnapshot(7, NaN, uids(1, 5), true)).toEqual({ uidValidity: 7, lastUid: 5 });
    expect(folderSnapshot(7, NaN, uids(5), false)).toBeUndefined();
  });

  it('names only the folders the pass saw', () => {
    const plan = { sourcePath: 'INBOX', destPath: 'INBOX' } as Parameters<typeof emptyFolderResult>[0];
    const seen = { ...emptyFolderResult(plan), snapshot: { uidValidity: 1, lastUid: 3 } };
    const unseen = { ...emptyFolderResult({ ...plan, sourcePath: 'Work' }) };
    expect(sourceSnapshot({ folders: [seen, unseen] })).toEqual({ INBOX: { uidValidity: 1, lastUid: 3 } });
  });
});
