// Issue 11, "Scale": verification walks both folders in UID ranges (a range holds LIST_RANGE_MESSAGES
// UIDs at first), never a whole listing. UIDs set far apart with doveadm's --min-next-uid put a few
// messages into several ranges on each side, so matching across ranges is what is checked here.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runMigrationPass, verifyMailbox } from '../../migrator';
import { LIST_RANGE_MESSAGES } from '../../migrator/limits';
import * as S from './support';

jest.setTimeout(90_000);

/** The Dovecot config (of the first stack's state dir) whose IMAP listener has `port`. */
function dovecotConf(dir: string, port: string | undefined): string {
  const home = process.env.POSTWERK_HOME!;
  const conf = [home, path.dirname(home)]
    .map((d) => path.join(d, dir, 'dovecot.conf'))
    .find((f) => existsSync(f) && new RegExp(`port = ${port}\\b`).test(readFileSync(f, 'utf8')));
  if (!conf) throw new Error(`no ${dir} config under ${home}`);
  return conf;
}

/** The next message appended to the user's INBOX gets at least this UID. */
function setNextUid(conf: string, user: string, uid: number): void {
  execFileSync('doveadm', ['-c', conf, 'mailbox', 'update', '-u', user, '--min-next-uid', String(uid), 'INBOX']);
}

describe('migrator: verification in UID ranges', () => {
  const state = S.useStateStore();

  it('matches, and finds missing and duplicate copies, across ranges on both sides', async () => {
    const user = S.uniqUser('vrange');
    const sourceConf = dovecotConf('source-imap', process.env.POSTWERK_SOURCE_IMAP_PORT);
    const far = [1, 2 * LIST_RANGE_MESSAGES, 5 * LIST_RANGE_MESSAGES];
    const bodies = [...Array(9).keys()].map((i) => S.textMessage(`range ${i}`, { date: new Date('2024-01-01T00:00:00Z') }));
    // three runs of three messages, each run in another UID range; the last repeats the first's bytes
    for (const [run, uid] of far.entries()) {
      if (run > 0) setNextUid(sourceConf, user, uid);
      const corpus = [0, 1, 2].map((k) => ({
        folder: ['INBOX'],
        raw: bodies[run === 2 && k === 0 ? 0 : run * 3 + k],
        flags: [],
        date: new Date('2024-01-01T00:00:00Z'),
      }));
      await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    }
    const dest = await S.createDestinationAccount();
    // the destination's copies start far up too, in another range than UID 1
    await S.withClient(S.destEndpoint(dest), (c) => c.mailboxOpen('INBOX'));
    setNextUid(dovecotConf('dovecot', process.env.POSTWERK_IMAP_PORT), dest.address, 3 * LIST_RANGE_MESSAGES);
    const ctx = { logger: S.silentLogger, migrationId: `vrange-${user}` };
    const input = {
      source: S.sourceEndpoint(user, { master: true }),
      destination: S.destEndpoint(dest),
      store: state().store,
      options: { include: ['INBOX'] },
    };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(9);
    const sourceUids = await S.withClient(S.sourceEndpoint(user), async (c) => {
      await c.mailboxOpen('INBOX');
      return (await c.search({ all: true }, { uid: true })) as number[];
    });
    expect(sourceUids.filter((u) => u >= far[2])).toHaveLength(3);

    for (const rehashSource of [false, true]) {
      const v = await verifyMailbox(ctx, { ...input, rehashSource });
      expect(v.verified).toBe(true);
      expect(v.folders[0]).toMatchObject({ sourceCount: 9, destCount: 9, matched: 9, missingCount: 0, duplicates: [] });
    }

    // on the destination: one copy of the middle run deleted, one extra copy of the last run's bytes
    const middle = sourceUids.filter((u) => u >= far[1] && u < far[2])[1];
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxOpen('INBOX');
      const destUids = (await c.search({ all: true }, { uid: true })) as number[];
      expect(Math.min(...destUids)).toBeGreaterThanOrEqual(3 * LIST_RANGE_MESSAGES);
      const target = [];
      for await (const m of c.fetch(destUids.join(','), { uid: true, source: true }, { uid: true }))
        if (m.source?.toString().includes('Subject: range 4\r\n')) target.push(m.uid);
      expect(target).toHaveLength(1);
      expect(await c.messageDelete(String(target[0]), { uid: true })).toBe(true);
      await c.append('INBOX', bodies[7], [], new Date('2024-01-01T00:00:00Z'));
    });
    const v = await verifyMailbox(ctx, { ...input, rehashSource: true });
    expect(v.verified).toBe(false);
    const f = v.folders[0];
    expect(f).toMatchObject({ sourceCount: 9, destCount: 9, matched: 8, missingCount: 1 });
    expect(f.missing.map((m) => m.uid)).toEqual([middle]);
    expect(f.duplicates).toHaveLength(1);
  });
});
