// Issue 10: an incremental pass over an unchanged account of 5,000 messages reads no body; a killed pass
// rerun completes with nothing missing and nothing stored twice; two passes of one account at once are
// impossible.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { backupAccount } from '../../backup/engine/pass';
import { bodyCounters } from '../../backup/engine/messages';
import { openStore } from '../../backup/store/open-store';
import { findAccountById } from '../../tenancy/repositories/accounts';
import type { AccountRow } from '../../tenancy/repositories/rows';
import { createTestAccount } from '../support/fixtures';
import { startHarness, type Harness } from '../control-plane/harness';
import { ensureFolder, live, pause, rawMessage, withMailbox } from './support';

jest.setTimeout(600_000);
const ROOT = path.resolve(__dirname, '../..');

let h: Harness;
beforeAll(() => {
  h = startHarness();
});
afterAll(() => h.close());

async function fill(address: string, folder: string, n: number, bytes = 600): Promise<void> {
  await withMailbox(h.services.config, address, async (c) => {
    await ensureFolder(c, folder);
    for (let i = 0; i < n; i++) await c.append(folder, rawMessage(`${folder} message ${i}`, { bytes }), i % 3 ? ['\\Seen'] : []);
  });
}

const account = async (id: string) => (await findAccountById(h.services.db, id)) as AccountRow;

describe('backup passes', () => {
  it('reads no body in an incremental pass over an unchanged account of 5,000 messages', async () => {
    const a = await createTestAccount(h.services.db);
    await fill(a.address, 'INBOX', 3000);
    await fill(a.address, 'Archive', 2000);
    const first = await backupAccount(h.services, await account(a.accountId), { trigger: 'demand' });
    expect(first.stats.newMessages).toBe(5000);
    expect(first.stats.bodiesFetched).toBe(5000);

    const before = { ...bodyCounters };
    const again = await backupAccount(h.services, await account(a.accountId), { trigger: 'demand' });
    expect(again.stats).toMatchObject({ bodiesFetched: 0, bytesFetched: 0, newMessages: 0, foldersChanged: 0, gone: 0 });
    expect(bodyCounters.bodiesFetched).toBe(before.bodiesFetched);

    // a flag change is one new interval, still no body read
    await withMailbox(h.services.config, a.address, async (c) => {
      const lock = await c.getMailboxLock('Archive');
      try {
        await c.messageFlagsAdd('1', ['\\Flagged']);
      } finally {
        lock.release();
      }
    });
    const flagged = await backupAccount(h.services, await account(a.accountId), { trigger: 'demand' });
    expect(flagged.stats).toMatchObject({ bodiesFetched: 0, flagChanges: 1, foldersChanged: 1 });
    const rows = await h.services.db('backup_messages').where({ account_id: a.accountId }).count({ n: '*' });
    expect(Number(rows[0]!.n)).toBe(5001);
  });

  it('refuses a second pass of the same account while one runs', async () => {
    const a = await createTestAccount(h.services.db);
    await fill(a.address, 'INBOX', 300);
    const row = await account(a.accountId);
    const results = await Promise.allSettled([
      backupAccount(h.services, row, { trigger: 'demand' }),
      backupAccount(h.services, row, { trigger: 'demand' }),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('completes after the worker is killed mid-pass, with nothing missing and nothing stored twice', async () => {
    const a = await createTestAccount(h.services.db);
    await fill(a.address, 'INBOX', 1500, 4000);
    await fill(a.address, 'Sent', 500, 4000);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'kill-pass.ts'), a.accountId], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    // kill once some bodies and index rows are durable, long before the end
    for (let i = 0; i < 600; i++) {
      const [{ n }] = await h.services.db('backup_messages').where({ account_id: a.accountId }).count({ n: '*' });
      if (Number(n) >= 500) break;
      await pause(50);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(out).not.toContain('done');
    const [{ n: partial }] = await h.services.db('backup_messages').where({ account_id: a.accountId }).count({ n: '*' });
    expect(Number(partial)).toBeGreaterThan(0);
    expect(Number(partial)).toBeLessThan(2000);

    // the killed worker's lease expires by itself; a test does not wait a minute for it
    await h.services
      .db('backup_leases')
      .where({ account_id: a.accountId })
      .update({ expires_at: new Date(0).toISOString() });
    const rerun = await backupAccount(h.services, await account(a.accountId), { trigger: 'demand' });
    expect(rerun.stats.newMessages).toBe(2000 - Number(partial));

    const rows = await h.services.db('backup_messages').where({ account_id: a.accountId }).whereNull('gone_at');
    expect(rows).toHaveLength(2000);
    const liveHashes = await withMailbox(h.services.config, a.address, async (c) => [
      ...(await live(c, 'INBOX')).map((m) => `INBOX ${m.uid} ${m.hash}`),
      ...(await live(c, 'Sent')).map((m) => `Sent ${m.uid} ${m.hash}`),
    ]);
    expect(rows.map((r: { folder: string; uid: number; hash: string }) => `${r.folder} ${r.uid} ${r.hash}`).sort()).toEqual(
      liveHashes.sort(),
    );

    // every distinct body once in the store, each one readable
    const store = await openStore(h.services, a.tenantId);
    const objects: string[] = [];
    for await (const o of store.list()) objects.push(o.hash);
    const distinct = new Set(rows.map((r: { hash: string }) => r.hash));
    expect(new Set(objects)).toEqual(distinct);
    expect(objects).toHaveLength(distinct.size);
    for (const hash of objects.slice(0, 50)) expect((await store.read(hash, 1e8)).length).toBeGreaterThan(0);
    const tmp = path.join(h.services.config.backup.dir, a.tenantId, 'tmp');
    // at most the one write the kill interrupted is left over, never under a final name
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0).toBeLessThanOrEqual(8);
  });
});
