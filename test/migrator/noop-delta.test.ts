// Issue 11, "Scale": a delta over a folder that changed on neither side lists nothing (no FETCH, no
// SEARCH), and any change on either side, however small, still makes it list and act.
import { runMigrationPass, verifyMailbox } from '../../migrator';
import { startFaultProxy } from './fault-proxy';
import * as S from './support';

jest.setTimeout(90_000);

const sourceServer = () => ({ host: process.env.POSTWERK_SOURCE_IMAP_HOST!, port: Number(process.env.POSTWERK_SOURCE_IMAP_PORT) });
const options = (o: { propagateDeletions?: boolean } = {}) => ({ ...o, include: ['INBOX'] });

describe('migrator: the no-op delta', () => {
  const state = S.useStateStore();

  it('lists nothing when nothing changed, and lists again after a change on either side', async () => {
    const user = S.uniqUser('noop');
    const corpus = [1, 2, 3, 4, 5].map((i) => ({
      folder: ['INBOX'],
      raw: S.textMessage(`noop ${i}`),
      flags: i === 1 ? ['\\Seen'] : [],
      date: new Date('2024-01-01T00:00:00Z'),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `noop-${user}` };
    // every listing of the source is a UID FETCH or a UID SEARCH: armed, the proxy refuses the first one
    // (the state store keys the account by host and port, so every pass goes through the proxy)
    const proxy = await startFaultProxy(sourceServer(), { refuseCommand: /^\S+ UID (FETCH|SEARCH)/i, armed: false });
    const input = {
      source: S.sourceEndpoint(user, { master: true, port: proxy.port }),
      destination: S.destEndpoint(dest),
      store: state().store,
    };
    const delta = (o: { propagateDeletions?: boolean } = {}) => runMigrationPass(ctx, { ...input, mode: 'delta', options: options(o) });
    const onSource = (fn: (c: Awaited<ReturnType<typeof S.connect>>) => Promise<unknown>) =>
      S.withClient(S.sourceEndpoint(user), async (c) => {
        await c.mailboxOpen('INBOX');
        await fn(c);
      });
    try {
      expect((await runMigrationPass(ctx, { ...input, options: options() })).totals.copied).toBe(5);
      proxy.arm();
      const idle = await delta({ propagateDeletions: true });
      expect(proxy.fired()).toBe(0); // neither the pass nor its pre-flight listed the source
      expect(idle.totals).toMatchObject({ copied: 0, flagsUpdated: 0, deleted: 0, failed: 0 });
      expect(idle.folders[0].sourceCount).toBe(5);
      expect(idle.folders[0].snapshot?.lastUid).toBe(5);
      proxy.disarm();

      // the user deletes a copy on the destination: the delta finds it gone and copies it again
      await S.withClient(S.destEndpoint(dest), async (c) => {
        await c.mailboxOpen('INBOX');
        expect(await c.messageDelete('2', { uid: true })).toBe(true);
      });
      expect((await delta()).totals.copied).toBe(1);

      // a flag change at the source (HIGHESTMODSEQ moves, nothing else): applied
      await onSource((c) => c.messageFlagsAdd('3', ['\\Flagged'], { uid: true }));
      expect((await delta()).totals).toMatchObject({ copied: 0, flagsUpdated: 1 });

      // an expunge at the source (MESSAGES drops, UIDNEXT stays): propagated with propagateDeletions
      await onSource(async (c) => expect(await c.messageDelete('4', { uid: true })).toBe(true));
      expect((await delta({ propagateDeletions: true })).totals).toMatchObject({ copied: 0, deleted: 1 });

      // a new message at the source: copied
      await S.withClient(S.sourceEndpoint(user), (c) =>
        S.loadCorpus(c, [{ folder: ['INBOX'], raw: S.textMessage('noop 6'), flags: [], date: new Date('2024-01-02T00:00:00Z') }]),
      );
      expect((await delta()).totals.copied).toBe(1);

      // nothing changed again: nothing listed, nothing done, and everything is there
      proxy.arm();
      expect((await delta()).totals).toMatchObject({ copied: 0, flagsUpdated: 0, deleted: 0 });
      expect(proxy.fired()).toBe(0);
      proxy.disarm();
      const report = await verifyMailbox(ctx, { ...input, options: options() });
      expect(report.verified).toBe(true);
      expect(report.totals.matched).toBe(5);
    } finally {
      await proxy.close();
    }
  });
});
