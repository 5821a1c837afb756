// Issue 5, done-when 1: "." delimiter source → "/" destination, the full corpus arrives
// byte-identical with flags and internal dates, and the report says verified.
import { runMigrationPass, verifyMailbox } from '../../migrator';
import { KnexStateStore } from '../../migrator/state/knex-store';
import { openSqliteStateStore } from '../../migrator/state/sqlite';
import * as S from './support';

jest.setTimeout(90_000);

describe('migrator: corpus from a "." source to a "/" destination', () => {
  const user = S.uniqUser('corpus');
  let dest: S.DestAccount;
  let st: { store: KnexStateStore; close: () => Promise<void> };
  const ctx = { logger: S.silentLogger, migrationId: `test-${user}` };
  const corpus = S.issueCorpus();

  beforeAll(async () => {
    const src = await S.connect(S.sourceEndpoint(user));
    try {
      await S.loadCorpus(src, corpus, S.EMPTY_FOLDERS);
    } finally {
      await src.logout();
    }
    dest = await S.createDestinationAccount();
    st = await openSqliteStateStore(':memory:');
  });
  afterAll(async () => {
    await st?.close();
    await S.releaseDb();
  });

  it('copies everything byte-identical with flags and dates, maps folders, and verifies', async () => {
    const srcBefore = await S.connect(S.sourceEndpoint(user)).then(async (c) => {
      try {
        return await S.snapshot(c);
      } finally {
        await c.logout();
      }
    });
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: st.store };
    const pass = await runMigrationPass(ctx, input);
    expect(pass.failedFolders).toEqual([]);
    expect(pass.totals.failed).toBe(0);
    expect(pass.totals.copied).toBe(corpus.length);

    const plan = Object.fromEntries(pass.plan.map((p) => [p.sourceName, p]));
    expect(plan['Projects']).toMatchObject({ action: 'skip', reason: 'noselect' });
    expect(plan['Deleted Items'].destName).toBe('Trash');
    expect(plan['Sent'].destName).toBe('Sent');
    expect(plan['Junk'].destName).toBe('Junk');
    expect(plan['Projects/Alpha/Deep'].destPath).toBe('Projects/Alpha/Deep');
    expect(plan['日本/東京 & Co'].destPath).toBe('日本/東京 & Co');

    const report = await verifyMailbox(ctx, input);
    expect(report.totals.missing).toBe(0);
    expect(report.totals.flagMismatches).toBe(0);
    expect(report.totals.dateMismatches).toBe(0);
    expect(report.verified).toBe(true);
    expect(report.manifestDigest).toMatch(/^[0-9a-f]{64}$/);

    const dst = await S.connect(S.destEndpoint(dest));
    const src = await S.connect(S.sourceEndpoint(user));
    try {
      const dsnap = await S.snapshot(dst);
      const ssnap = await S.snapshot(src);
      // the source is untouched: same flags (no \Seen from reading), same messages
      expect(ssnap).toEqual(srcBefore);
      for (const [folder, msgs] of ssnap) {
        const p = plan[folder];
        const target = dsnap.get(p.destName);
        expect(target).toBeDefined();
        const key = (m: S.SnapshotMessage): string => `${m.sha256} ${m.size} ${m.date} ${m.flags.join(',')}`;
        expect(target!.map(key).sort()).toEqual(msgs.map(key).sort());
      }
      // empty folders exist on the destination, the 30 MB message came across
      expect(dsnap.get('Empty')).toEqual([]);
      expect(dsnap.get('Projects/Empty Child')).toEqual([]);
      const big = corpus.find((m) => m.raw.length > 29 * 1024 * 1024)!;
      expect(dsnap.get('INBOX')!.some((m) => m.sha256 === S.sha(big.raw))).toBe(true);
      // the corpus hashes are what was appended at the source: byte-identical end to end
      for (const m of corpus) expect([...dsnap.values()].flat().some((d) => d.sha256 === S.sha(m.raw))).toBe(true);
    } finally {
      await dst.logout();
      await src.logout();
    }

    // a rerun copies nothing
    const again = await runMigrationPass(ctx, input);
    expect(again.totals.copied).toBe(0);
    expect(again.totals.alreadyPresent).toBe(0);
  });
});
