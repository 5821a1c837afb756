// Identity without touching mail: messages already on the destination (an earlier tool) are
// recognised by hash, and a source UIDVALIDITY change is bridged by content hashes.
import { runMigrationPass, verifyMailbox } from '../../migrator';
import * as S from './support';

jest.setTimeout(60_000);

describe('migrator: identity by content hash', () => {
  const state = S.useStateStore();

  it('recognises messages an earlier tool put on the destination, and never duplicates them', async () => {
    const user = S.uniqUser('pre');
    const msgs = Array.from({ length: 6 }, (_, i) => ({
      folder: ['Work'],
      raw: S.textMessage(`work ${i}`),
      flags: i % 2 ? ['\\Seen'] : [],
      date: new Date(`2021-0${i + 1}-01T00:00:00Z`),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, msgs));
    const dest = await S.createDestinationAccount();
    // an earlier tool copied three of them (without flags)
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxCreate('Work');
      for (const m of msgs.slice(0, 3)) await c.append('Work', m.raw, [], m.date);
    });
    const ctx = { logger: S.silentLogger, migrationId: `pre-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    const pass = await runMigrationPass(ctx, input);
    expect(pass.totals).toMatchObject({ copied: 3, alreadyPresent: 3, failed: 0 });
    const report = await verifyMailbox(ctx, input);
    expect(report.verified).toBe(true);
    expect(report.totals.flagMismatches).toBe(0); // flags of recognised messages were synced
    const snap = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c));
    expect(snap.get('Work')).toHaveLength(6);
    expect(S.duplicates(snap)).toEqual([]);
  });

  it('bridges a source UIDVALIDITY change by content hash', async () => {
    const user = S.uniqUser('uidv');
    const msgs = Array.from({ length: 5 }, (_, i) => ({
      folder: ['Work'],
      raw: S.textMessage(`v ${i}`),
      flags: [],
      date: new Date('2020-05-05T00:00:00Z'),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, msgs));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `uidv-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(5);

    // the source folder is rebuilt: same messages, new UIDVALIDITY, one more message
    const before = await S.withClient(S.sourceEndpoint(user), async (c) => {
      const v = ((await c.status('Work', { uidValidity: true })) as { uidValidity?: bigint }).uidValidity;
      await c.mailboxDelete('Work');
      await new Promise((r) => setTimeout(r, 1100));
      await S.loadCorpus(c, [
        ...msgs,
        { folder: ['Work'], raw: S.textMessage('v new'), flags: [], date: new Date('2020-06-06T00:00:00Z') },
      ]);
      return v;
    });
    const after = await S.withClient(
      S.sourceEndpoint(user),
      async (c) => ((await c.status('Work', { uidValidity: true })) as { uidValidity?: bigint }).uidValidity,
    );
    expect(after).not.toEqual(before);

    const again = await runMigrationPass(ctx, input);
    expect(again.totals).toMatchObject({ copied: 1, alreadyPresent: 5, failed: 0 });
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    const snap = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c));
    expect(snap.get('Work')).toHaveLength(6);
    expect(S.duplicates(snap)).toEqual([]);
    // and the state now speaks the new UIDVALIDITY: a third pass does nothing
    expect((await runMigrationPass(ctx, input)).totals).toMatchObject({ copied: 0, alreadyPresent: 0 });
  });
});
