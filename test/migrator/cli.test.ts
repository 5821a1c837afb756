// The `migrate` command as the postwerk binary registers it: --batch with several accounts,
// per-row CSV errors, and bad input exiting 2 with a message naming the problem.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerMigrateCommand } from '../../migrator/cli/migrate-command';
import * as S from './support';

jest.setTimeout(60_000);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const before = process.exitCode;
  try {
    const program = new Command('postwerk').exitOverride();
    registerMigrateCommand(program);
    await program.parseAsync(['node', 'postwerk', 'migrate', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = before;
    o.mockRestore();
    e.mockRestore();
  }
}

describe('postwerk migrate (CLI)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mig-cli-'));
  afterAll(() => S.releaseDb());

  it('migrates a batch of accounts and exits 0 when every one is verified', async () => {
    const users = [S.uniqUser('b1'), S.uniqUser('b2')];
    for (const u of users) {
      const c = await S.connect(S.sourceEndpoint(u));
      await S.loadCorpus(c, [
        { folder: ['INBOX'], raw: S.textMessage(`hi ${u}`), flags: [], date: new Date('2020-01-01T00:00:00Z') },
        { folder: ['Sub'], raw: S.textMessage(`sub ${u}`), flags: ['\\Seen'], date: new Date('2020-01-02T00:00:00Z') },
      ]);
      await c.logout();
    }
    const dests = [await S.createDestinationAccount(), await S.createDestinationAccount()];
    const src = S.sourceEndpoint('x', { master: true });
    const dst = S.destEndpoint(dests[0]);
    writeFileSync(path.join(dir, 'master'), `${src.password}\n`);
    dests.forEach((d, i) => writeFileSync(path.join(dir, `d${i}`), `${d.password}\n`));
    writeFileSync(
      path.join(dir, 'accounts.csv'),
      `source_user,destination_user,destination_password_file\n${users.map((u, i) => `${u},${dests[i].address},${path.join(dir, `d${i}`)}`).join('\n')}\n`,
    );
    const r = await run([
      '--batch',
      path.join(dir, 'accounts.csv'),
      '--from',
      `imap://${src.host}:${src.port}`,
      '--from-authuser',
      src.authUser!,
      '--from-password-file',
      path.join(dir, 'master'),
      '--to',
      `imap://${dst.host}:${dst.port}`,
      '--state',
      path.join(dir, 'state.sqlite'),
      '--report',
      path.join(dir, 'report.json'),
      '--no-progress',
    ]);
    expect(r.err).not.toMatch(/postwerk migrate:/);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').pop()).toBe('2/2 accounts verified');
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.accounts.map((a: { verified: boolean }) => a.verified)).toEqual([true, true]);
    expect(report.accounts[0].verification.totals.matched).toBe(2);
  });

  it('names every bad CSV row and exits 2', async () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'source_user,destination_user\na@x,\n,b@y\n');
    writeFileSync(path.join(dir, 'pw'), 'secret\n');
    const r = await run([
      '--batch',
      path.join(dir, 'bad.csv'),
      '--from',
      'imap://127.0.0.1:1',
      '--from-password-file',
      path.join(dir, 'pw'),
      '--to',
      'imap://127.0.0.1:2',
      '--to-password-file',
      path.join(dir, 'pw'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /2 bad row\(s\):\n {2}row 2: destination_user: destination_user is empty\n {2}row 3: source_user: source_user is empty/,
    );
  });

  it('refuses passwords in the URL and missing credentials with exit 2', async () => {
    const a = await run(['--from', 'imap://u:pw@127.0.0.1:1', '--to', 'imap://v@127.0.0.1:2']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/do not put a password in the URL/);
    const b = await run(['--from', 'imap://u@127.0.0.1:1', '--to', 'imap://v@127.0.0.1:2']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/no credentials for --from/);
  });
});
