import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { splitMboxrd } from '../../backup/export/mboxrd';
import { exportAccount } from '../../backup/use-cases/export-account';
import { backupAccount } from '../../backup/engine/pass';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { api, auth, startHarness, tokenFor, type Harness } from '../control-plane/harness';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { testConfig, uniq } from '../support/env';
import { awkwardMailbox, chownTree, digestMailbox, extractTo, fill, readTar, withImap } from './export-support';

/**
 * Export for reversibility against the real Dovecot: an account exported as mbox (through the API) and
 * as Maildir (the use case) imports into fresh accounts, the mbox by APPEND with the manifest's flags
 * and dates, the Maildir by `doveadm import` (Dovecot reading the tree itself), and both mailboxes
 * then equal the original message for message: SHA-256, flags and internal date.
 */
let h: Harness;
let tenant: { tenantId: string; domainId: string; domain: string };
let source: TestAccount;
let original: Awaited<ReturnType<typeof digestMailbox>>;

beforeAll(async () => {
  h = startHarness();
  tenant = await createTestTenant(h.services.db);
  source = await createTestAccount(h.services.db, { tenant, localPart: uniq('src') });
  await fill(h.services.config, source.address, awkwardMailbox());
  original = await digestMailbox(h.services.config, source.address);
});
afterAll(() => h.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe(`export (${testConfig().db.client})`, () => {
  it('has the awkward mailbox it needs', () => {
    expect(Object.keys(original).sort()).toEqual(['Archive/2024', 'Entwürfe', 'INBOX', 'Sent']);
    expect(Object.values(original).flat()).toHaveLength(7);
  });

  it('exports an account as mbox through the API that imports elsewhere with every hash, flag and date equal', async () => {
    const token = await tokenFor(h.operator, 'tenant_admin', tenant.tenantId);
    const res = await api(h.app)
      .get(`/api/v1/tenants/${tenant.tenantId}/accounts/${source.accountId}/export?format=mbox`)
      .set(auth(token))
      .buffer(true)
      .parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    const entries = await readTar(res.body as Buffer);
    const root = source.address;
    const folders = JSON.parse(entries.get(`${root}/folders.json`)!.body.toString()) as Array<{
      name: string;
      path: string;
      messages: number;
    }>;
    const manifest = entries
      .get(`${root}/manifest.jsonl`)!
      .body.toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { folder: string; file: string; sha256: string; size: number; internalDate: string; flags: string[] });
    // every folder is in the map, the empty ones (Drafts, Trash, the parent Archive) too
    expect(
      folders
        .filter((f) => f.messages > 0)
        .map((f) => f.name)
        .sort(),
    ).toEqual(Object.keys(original).sort());
    expect(folders.map((f) => f.name)).toEqual(expect.arrayContaining(['Trash', 'Archive']));
    expect(JSON.parse(entries.get('postwerk-export.json')!.body.toString())).toMatchObject({ format: 'mbox', from: 'live' });

    // a small importer: each mbox file split and unquoted, trimmed to the manifest's size, APPENDed
    const target = await createTestAccount(h.services.db, { tenant, localPart: uniq('mbox') });
    await withImap(h.services.config, target.address, async (c) => {
      for (const f of folders) {
        if (f.name !== 'INBOX') await c.mailboxCreate(f.name).catch(() => undefined);
        const lines = manifest.filter((m) => m.file === f.path);
        const messages = splitMboxrd(entries.get(f.path)!.body);
        expect(messages).toHaveLength(lines.length);
        for (const [i, m] of messages.entries()) {
          const line = lines[i]!;
          await c.append(f.name, m.message.subarray(0, line.size), line.flags, new Date(line.internalDate));
        }
      }
    });
    expect(await digestMailbox(h.services.config, target.address)).toEqual(original);
  });

  it('exports an account as a Maildir tree that doveadm import reads back whole', async () => {
    const plan = await exportAccount(withActor(h.services, cliActor()), {
      tenantId: tenant.tenantId,
      accountId: source.accountId,
      format: 'maildir',
    });
    const out = new PassThrough();
    const read = readTar(out);
    const result = await plan.run(out);
    const entries = await read;
    expect(result.accounts[0]).toMatchObject({ address: source.address, messages: 7, skipped: 0 });
    expect(entries.get(`${source.address}/Maildir/Archive/2024/dovecot-keywords`)?.body.toString()).toBe('0 Project\n');

    const dir = path.join(h.services.config.home, uniq('export'));
    fs.mkdirSync(dir, { mode: 0o755 });
    try {
      extractTo(entries, dir);
      const target = await createTestAccount(h.services.db, { tenant, localPart: uniq('mdir') });
      // the first login makes the mailbox as the mail user (doveadm would make it as root)
      expect(await digestMailbox(h.services.config, target.address)).toEqual({});
      await h.services.doveadm.call('import', {
        user: target.address,
        sourceLocation: `maildir:${dir}/${source.address}/Maildir:LAYOUT=fs:INDEX=MEMORY`,
        destParentMailbox: '',
        query: ['all'],
      });
      // doveadm's HTTP service runs as root here and leaves root-owned index files: hand them back
      chownTree(path.join(h.services.config.dovecot.mailRoot, `${tenant.tenantId}/${target.accountId}`), 5000);
      expect(await digestMailbox(h.services.config, target.address)).toEqual(original);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports a whole tenant in one archive, and keeps other tenants and roles out', async () => {
    const other = await createTestTenant(h.services.db);
    const otherAdmin = await tokenFor(h.operator, 'tenant_admin', other.tenantId);
    const support = await tokenFor(h.operator, 'support');
    const url = `/api/v1/tenants/${tenant.tenantId}/export?format=maildir`;
    expect((await api(h.app).get(url).set(auth(otherAdmin))).status).toBe(404);
    expect((await api(h.app).get(url).set(auth(support))).status).toBe(403);
    expect(
      (
        await api(h.app)
          .get(`${url.replace('maildir', 'zip')}`)
          .set(auth(await tokenFor(h.operator, 'operator')))
      ).status,
    ).toBe(400);

    const res = await api(h.app)
      .get(url)
      .set(auth(await tokenFor(h.operator, 'operator')))
      .buffer(true)
      .parse(binary);
    expect(res.status).toBe(200);
    const entries = await readTar(res.body as Buffer);
    const index = JSON.parse(entries.get('postwerk-export.json')!.body.toString()) as {
      accounts: Array<{ address: string; messages: number }>;
    };
    expect(index.accounts.find((a) => a.address === source.address)?.messages).toBe(7);
    expect(index.accounts.length).toBeGreaterThanOrEqual(2);
    const audit = await h.services.db('audit_log').where({ action: 'backup.export', tenant_id: tenant.tenantId });
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  it('exports from a backup as of a time: a message expunged since is in it, byte for byte', async () => {
    const account = (await findAccountById(h.services.db, source.accountId))!;
    await backupAccount(h.services, account, { trigger: 'demand' });
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await withImap(h.services.config, source.address, async (c) => {
      const lock = await c.getMailboxLock('Sent');
      try {
        await c.messageDelete('1:*');
      } finally {
        lock.release();
      }
    });
    await backupAccount(h.services, account, { trigger: 'demand' });

    const plan = await exportAccount(withActor(h.services, cliActor()), {
      tenantId: tenant.tenantId,
      accountId: source.accountId,
      format: 'mbox',
      from: 'backup',
      at: before,
    });
    const out = new PassThrough();
    const read = readTar(out);
    await plan.run(out);
    const entries = await read;
    const manifest = entries
      .get(`${source.address}/manifest.jsonl`)!
      .body.toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { folder: string; sha256: string; flags: string[]; internalDate: string });
    const got: Record<string, Array<{ sha256: string; flags: string[]; internalDate: string }>> = {};
    for (const m of manifest) (got[m.folder] ??= []).push({ sha256: m.sha256, flags: [...m.flags].sort(), internalDate: m.internalDate });
    for (const list of Object.values(got)) list.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
    expect(got).toEqual(original);

    // and now, live, Sent is empty
    const live = await exportAccount(withActor(h.services, cliActor()), {
      tenantId: tenant.tenantId,
      accountId: source.accountId,
      format: 'mbox',
    });
    const out2 = new PassThrough();
    const read2 = readTar(out2);
    const result = await live.run(out2);
    await read2;
    expect(result.accounts[0]!.folders.find((f) => f.name === 'Sent')?.messages).toBe(0);
  });
});
