import { openSqliteStateStore } from './sqlite';

describe('KnexStateStore (SQLite)', () => {
  it('creates folders once, upserts records in batches, resets when the destination name changes', async () => {
    const { store, knex, close } = await openSqliteStateStore(':memory:');
    try {
      const f = await store.folder('m1', 'a -> b', 'INBOX', 'INBOX');
      expect(await store.folder('m1', 'a -> b', 'INBOX', 'INBOX')).toEqual(f);
      expect(await store.findFolder('a -> b', 'Nope')).toBeNull();
      const recs = Array.from({ length: 450 }, (_, i) => ({
        sourceUidValidity: 7,
        sourceUid: i + 1,
        destUid: i + 100,
        sha256: 'ab'.repeat(32),
        size: 10,
        flags: i % 2 ? ['\\Seen', 'Todo'] : [],
        status: 'copied' as const,
      }));
      await store.putMessages(f.id, recs);
      await store.putMessages(f.id, [{ ...recs[0], flags: ['\\Flagged'] }]); // upsert, no duplicate
      const loaded = await store.loadMessages(f.id);
      expect(loaded).toHaveLength(450);
      expect(loaded.find((r) => r.sourceUid === 1)!.flags).toEqual(['\\Flagged']);
      expect(loaded.find((r) => r.sourceUid === 2)!.flags).toEqual(['\\Seen', 'Todo']);
      // by range, counts and destination UIDs without loading the folder
      const part = await store.loadMessages(f.id, { sourceUidValidity: 7, from: 101, to: 200 });
      expect(part.map((r) => r.sourceUid)).toEqual(Array.from({ length: 100 }, (_, i) => i + 101));
      expect(await store.loadMessages(f.id, { sourceUidValidity: 7, from: 441, to: null })).toHaveLength(10);
      expect(await store.loadMessages(f.id, { sourceUidValidity: 8, from: 1, to: null })).toHaveLength(0);
      // only some UIDs (a retry), more of them than one IN list takes
      const some = Array.from({ length: 1000 }, (_, i) => 3 * i + 2);
      const picked = (await store.loadMessages(f.id, { sourceUidValidity: 7, from: 1, to: null, uids: some })).map((r) => r.sourceUid);
      expect(picked.sort((a, b) => a - b)).toEqual(some.filter((u) => u <= 450));
      await store.putMessages(f.id, [
        { ...recs[0], sourceUidValidity: 6, sourceUid: 1, destUid: 5 },
        { ...recs[0], sourceUid: 451, destUid: null, status: 'skipped' },
        { ...recs[0], sourceUid: 452, destUid: 9999, status: 'removed' },
      ]);
      expect(await store.counts(f.id, 7)).toEqual({ current: 452, stale: 1, pending: 1, maxDestUid: 9999, bytes: 4520 });
      expect((await store.staleMessages(f.id, 7)).map((r) => r.sourceUid)).toEqual([1]);
      const mapped = await store.mappedDestUids(f.id, 7);
      expect(mapped).toEqual(Array.from({ length: 450 }, (_, i) => i + 100)); // removed and skipped ones hold none
      expect((await store.flagSets(f.id, 7)).map((s) => s.join(' ')).sort()).toEqual(['', '\\Flagged', '\\Seen Todo']);
      await store.deleteMessages(f.id, [
        { sourceUidValidity: 6, sourceUid: 1 },
        { sourceUidValidity: 7, sourceUid: 451 },
        { sourceUidValidity: 7, sourceUid: 452 },
      ]);
      await store.deleteMessages(f.id, recs.slice(0, 50));
      expect(await store.loadMessages(f.id)).toHaveLength(400);
      await store.updateFolder(f.id, {
        sourceUidNext: 451,
        sourceHighestModseq: '9007199254740993',
        destUidValidity: 3,
        sourceMessages: 400,
        destUidNext: 550,
        destMessages: 400,
      });
      expect(await store.findFolder('a -> b', 'INBOX')).toMatchObject({
        sourceUidNext: 451,
        sourceHighestModseq: '9007199254740993',
        destUidValidity: 3,
        sourceMessages: 400,
        destUidNext: 550,
        destMessages: 400,
      });
      // a new destination name (folder map changed): the old map no longer applies
      const moved = await store.folder('m1', 'a -> b', 'INBOX', 'Elsewhere');
      expect(moved).toMatchObject({ id: f.id, destPath: 'Elsewhere', destUidValidity: null, sourceMessages: null, destUidNext: null });
      expect(await store.loadMessages(f.id)).toHaveLength(0);
      // the indexes the engine relies on exist
      const idx = (await knex.raw(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'migration_messages'`)) as Array<{
        name: string;
      }>;
      expect(idx.map((r) => r.name)).toEqual(expect.arrayContaining(['migration_messages_folder_hash_idx']));
    } finally {
      await close();
    }
  });
});
