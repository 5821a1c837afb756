// Issue 5, done-when 3 and 4: a delta pass copies only what is new and syncs flag changes;
// a message removed from the destination behind the engine's back is reported missing.
import { runMigrationPass, verifyMailbox } from '../../migrator';
import * as S from './support';

jest.setTimeout(60_000);

describe('migrator: delta passes and verification', () => {
  // the platform's own database as state store (SQLite or PostgreSQL, as the stack runs)
  const state = S.useStateStore();

  it('a delta pass after new mail and flag changes copies only those', async () => {
    const user = S.uniqUser('delta');
    const corpus = [
      { folder: ['INBOX'], raw: S.textMessage('one'), flags: [], date: new Date('2022-01-01T00:00:00Z') },
      { folder: ['INBOX'], raw: S.textMessage('two'), flags: ['\\Seen'], date: new Date('2022-01-02T00:00:00Z') },
      { folder: ['Work'], raw: S.textMessage('three'), flags: [], date: new Date('2022-01-03T00:00:00Z') },
    ];
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `delta-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    const full = await runMigrationPass(ctx, input);
    expect(full.totals.copied).toBe(3);

    await S.withClient(S.sourceEndpoint(user), async (c) => {
      await c.append('INBOX', S.textMessage('four (new)'), ['$New'], new Date('2022-02-01T00:00:00Z'));
      await c.append('Work', S.textMessage('five (new)'), [], new Date('2022-02-02T00:00:00Z'));
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageFlagsAdd('1', ['\\Flagged', 'Todo'], { uid: true });
        await c.messageFlagsRemove('2', ['\\Seen'], { uid: true });
      } finally {
        lock.release();
      }
    });

    const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(delta.totals.copied).toBe(2);
    expect(delta.totals.flagsUpdated).toBe(2);
    expect(delta.totals.alreadyPresent).toBe(0);
    const byFolder = Object.fromEntries(delta.folders.map((f) => [f.sourcePath, f]));
    expect(byFolder['INBOX'].copied).toBe(1);
    expect(byFolder['Work'].copied).toBe(1);

    const report = await verifyMailbox(ctx, input);
    expect(report.verified).toBe(true);
    expect(report.totals.flagMismatches).toBe(0);
    const inbox = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c)).then((s) => s.get('INBOX')!);
    expect(inbox).toHaveLength(3);
    expect(inbox.map((m) => [...m.flags].sort().join(',')).sort()).toEqual(['$New', '', ['\\Flagged', 'Todo'].sort().join(',')].sort());

    // nothing new: a second delta copies and changes nothing
    const idle = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(idle.totals).toMatchObject({ copied: 0, flagsUpdated: 0, alreadyPresent: 0, deleted: 0 });

    // deletions at the source reach the destination only when asked for
    await S.withClient(S.sourceEndpoint(user), async (c) => {
      const lock = await c.getMailboxLock('Work');
      try {
        await c.messageDelete('1', { uid: true });
      } finally {
        lock.release();
      }
    });
    const kept = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(kept.totals.deleted).toBe(0);
    const propagated = await runMigrationPass(ctx, { ...input, mode: 'delta', options: { propagateDeletions: true } });
    expect(propagated.totals).toMatchObject({ deleted: 1, copied: 0 });
    const work = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c)).then((s) => s.get('Work')!);
    expect(work).toHaveLength(1);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
  });

  it('a message expunged from the destination behind our back is reported missing', async () => {
    const user = S.uniqUser('gone');
    const corpus = [1, 2, 3].map((i) => ({
      folder: ['INBOX'],
      raw: S.textMessage(`keep ${i}`, { messageId: `<keep${i}.${user}>` }),
      flags: [],
      date: new Date('2023-03-0' + i + 'T00:00:00Z'),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `gone-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    await runMigrationPass(ctx, input);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);

    await S.withClient(S.destEndpoint(dest), async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageDelete('2', { uid: true });
      } finally {
        lock.release();
      }
    });
    const report = await verifyMailbox(ctx, input);
    expect(report.verified).toBe(false);
    expect(report.totals.missing).toBe(1);
    const missing = report.folders.find((f) => f.sourcePath === 'INBOX')!.missing;
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ uid: 2, messageId: `<keep2.${user}>`, subject: 'keep 2' });
    expect(missing[0].size).toBeGreaterThan(0);

    // the next pass notices and copies it again
    const heal = await runMigrationPass(ctx, input);
    expect(heal.totals.copied).toBe(1);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
  });
});
