// Issue 5, done-when 2: killing the migration mid-run (the process; separately the source
// connection) and rerunning leaves nothing missing and nothing duplicated.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runMigrationPass, verifyMailbox } from '../../migrator';
import { openSqliteStateStore } from '../../migrator/state/sqlite';
import * as S from './support';

jest.setTimeout(120_000);
const ROOT = path.resolve(__dirname, '../..');

async function destCount(ep: Parameters<typeof S.connect>[0]): Promise<number> {
  const c = await S.connect(ep);
  try {
    let n = 0;
    for (const f of await c.list())
      if (!f.flags.has('\\Noselect')) n += ((await c.status(f.path, { messages: true })) as { messages?: number }).messages ?? 0;
    return n;
  } finally {
    await c.logout();
  }
}

async function checkNoLossNoDup(user: string, dest: S.DestAccount, expected: number): Promise<void> {
  const c = await S.connect(S.destEndpoint(dest));
  const s = await S.connect(S.sourceEndpoint(user));
  try {
    const dsnap = await S.snapshot(c);
    const ssnap = await S.snapshot(s);
    expect(S.duplicates(dsnap)).toEqual([]);
    for (const [folder, msgs] of ssnap)
      expect((dsnap.get(folder) ?? []).map((m) => m.sha256).sort()).toEqual(msgs.map((m) => m.sha256).sort());
    expect([...dsnap.values()].flat()).toHaveLength(expected);
  } finally {
    await c.logout();
    await s.logout();
  }
}

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, ['bin/postwerk', 'migrate', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}

describe('migrator: interrupted runs resume without loss or duplicates', () => {
  afterAll(() => S.releaseDb());

  it('SIGKILL of the CLI process mid-run, then a rerun', async () => {
    const user = S.uniqUser('kill');
    const N = 3000;
    await S.bulkLoad(S.sourceEndpoint(user), 'INBOX', 1500, () => 3000);
    await S.bulkLoad(S.sourceEndpoint(user), 'Archive.2019', 1490, () => 3000);
    await S.bulkLoad(S.sourceEndpoint(user), 'Large', 10, () => 2 * 1024 * 1024);
    const dest = await S.createDestinationAccount();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mig-kill-'));
    writeFileSync(path.join(dir, 'src'), process.env.POSTWERK_SOURCE_MASTER_PASSWORD! + '\n');
    writeFileSync(path.join(dir, 'dst'), dest.password + '\n');
    const d = S.destEndpoint(dest);
    const args = [
      '--from',
      `imap://${encodeURIComponent(user)}@${process.env.POSTWERK_SOURCE_IMAP_HOST}:${process.env.POSTWERK_SOURCE_IMAP_PORT}`,
      '--from-authuser',
      process.env.POSTWERK_SOURCE_MASTER_USER!,
      '--from-password-file',
      path.join(dir, 'src'),
      '--to',
      `imap://${encodeURIComponent(dest.address)}@${d.host}:${d.port}`,
      '--to-password-file',
      path.join(dir, 'dst'),
      '--state',
      path.join(dir, 'state.sqlite'),
      '--report',
      path.join(dir, 'report.json'),
      '--no-progress',
    ];
    const env = { ...process.env, POSTWERK_LOG_LEVEL: 'warn' };
    const first = runCli(args, env);
    // kill once a good part, but not all, has arrived
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const n = await destCount(d).catch(() => 0);
      if (n >= 600) break;
    }
    first.child.kill('SIGKILL');
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    const partial = await destCount(d);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);

    const second = await runCli(args, env).done;
    expect(second.out).toContain('VERIFIED');
    expect(second.code).toBe(0);
    await checkNoLossNoDup(user, dest, N);
  });

  it('cutting the source connection mid-run: the engine reconnects and continues', async () => {
    const user = S.uniqUser('cut');
    await S.bulkLoad(S.sourceEndpoint(user), 'INBOX', 1200, () => 4000);
    await S.bulkLoad(S.sourceEndpoint(user), 'Folder.Two', 800, () => 4000);
    const dest = await S.createDestinationAccount();
    // a TCP proxy in front of the source that drops every connection once, after 1.5 MB
    const sockets = new Set<net.Socket>();
    let forwarded = 0;
    let cuts = 0;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(process.env.POSTWERK_SOURCE_IMAP_PORT), process.env.POSTWERK_SOURCE_IMAP_HOST);
      sockets.add(client);
      sockets.add(upstream);
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', kill).on('close', kill);
      upstream.on('error', kill).on('close', kill);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        forwarded += chunk.length;
        if (cuts === 0 && forwarded > 1.5 * 1024 * 1024) {
          cuts++;
          for (const s of sockets) s.destroy();
          return;
        }
        client.write(chunk);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as net.AddressInfo).port;
    const st = await openSqliteStateStore(':memory:');
    try {
      const ctx = { logger: S.silentLogger, migrationId: `cut-${user}` };
      const events: string[] = [];
      const input = { source: S.sourceEndpoint(user, { master: true, port }), destination: S.destEndpoint(dest), store: st.store };
      const pass = await runMigrationPass(ctx, { ...input, onProgress: (e) => e.kind === 'folder' && events.push(e.state) });
      expect(cuts).toBe(1);
      expect(events).toContain('retry');
      expect(pass.failedFolders).toEqual([]);
      const report = await verifyMailbox(ctx, input);
      expect({ totals: report.totals, errors: report.folders.map((f) => f.error).filter(Boolean), pass: pass.totals }).toMatchObject({
        totals: { missing: 0 },
        errors: [],
        pass: { failed: 0 },
      });
      expect(report.verified).toBe(true);
      await checkNoLossNoDup(user, dest, 2000);
      // and a rerun copies nothing
      const again = await runMigrationPass(ctx, input);
      expect(again.totals.copied).toBe(0);
    } finally {
      await st.close();
      proxy.close();
      for (const s of sockets) s.destroy();
    }
  });
});
