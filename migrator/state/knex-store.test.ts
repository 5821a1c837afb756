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
      await store.deleteMessages(f.id, recs.slice(0, 50));
      expect(await store.loadMessages(f.id)).toHaveLength(400);
      await store.updateFolder(f.id, { sourceUidNext: 451, sourceHighestModseq: '9007199254740993', destUidValidity: 3 });
      expect(await store.findFolder('a -> b', 'INBOX')).toMatchObject({
        sourceUidNext: 451,
        sourceHighestModseq: '9007199254740993',
        destUidValidity: 3,
      });
      // a new destination name (folder map changed): the old map no longer applies
      const moved = await store.folder('m1', 'a -> b', 'INBOX', 'Elsewhere');
      expect(moved).toMatchObject({ id: f.id, destPath: 'Elsewhere', destUidValidity: null });
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
