// Issue 10, done-when: deliver, back up, expunge, find through the API, restore byte-identical with its
// internal date and flags, a second restore adds nothing; a deleted folder restored as of before; a move
// undone by an account restore; tenant isolation; a corrupted body and a wrong key.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { withActor } from '../../platform/context';
import { createSecretBox } from '../../platform/secrets';
import { runBackup } from '../../backup/use-cases/run-backup';
import { restoreBackup } from '../../backup/use-cases/restore-backup';
import { searchBackups } from '../../backup/use-cases/search-backups';
import { openStore } from '../../backup/store/open-store';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { api, auth, startHarness, tokenFor, type Harness } from '../control-plane/harness';
import { ensureFolder, live, pause, rawMessage, sha, withMailbox } from './support';

jest.setTimeout(180_000);

let h: Harness;
let acct: TestAccount;
let supportToken: string;
let otherAdminToken: string;
const config = () => h.services.config;

beforeAll(async () => {
  h = startHarness();
  const tenant = await createTestTenant(h.services.db);
  acct = await createTestAccount(h.services.db, { tenant });
  const other = await createTestTenant(h.services.db);
  // support is platform staff (no tenant); tenant-scoped callers are tenant admins, who may restore too
  supportToken = await tokenFor(h.operator, 'support');
  otherAdminToken = await tokenFor(h.operator, 'tenant_admin', other.tenantId);
});
afterAll(() => h.close());

async function backup() {
  const r = await runBackup(h.operator, { tenantId: acct.tenantId, accountId: acct.accountId });
  expect(r.accounts[0]!.status).toBe('done');
  return r.accounts[0]!.stats!;
}

async function append(folder: string, subject: string, flags: string[] = [], date = new Date('2025-03-04T05:06:07Z')) {
  const raw = rawMessage(subject);
  await withMailbox(config(), acct.address, async (c) => {
    await ensureFolder(c, folder);
    await c.append(folder, raw, flags, date);
  });
  return raw;
}

describe('backup and restore against the real Dovecot', () => {
  it('restores an expunged message found by subject through the API, byte-identical, once', async () => {
    const target = await append('INBOX', 'Quarterly figures Q3', ['\\Flagged', '\\Seen', 'Important'], new Date('2025-03-04T05:06:07Z'));
    await append('INBOX', 'Lunch on Friday');
    await backup();
    const before = (await withMailbox(config(), acct.address, (c) => live(c, 'INBOX'))).find((m) => m.hash === sha(target))!;
    expect(before).toBeDefined();

    await withMailbox(config(), acct.address, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageDelete(String(before.uid), { uid: true });
      } finally {
        lock.release();
      }
    });
    const stats = await backup();
    expect(stats.gone).toBe(1);

    const found = await api(h.app)
      .get(`/api/v1/tenants/${acct.tenantId}/backups/messages`)
      .query({ accountId: acct.accountId, subject: 'quarterly figures', deletedSince: new Date(Date.now() - 3600_000).toISOString() })
      .set(auth(supportToken));
    expect(found.status).toBe(200);
    expect(found.body.items).toHaveLength(1);
    const item = found.body.items[0];
    expect(item).toMatchObject({ folder: 'INBOX', hash: sha(target), closeReason: 'expunged' });

    // support says why before it reads the message (issue 12 item 7)
    const previewUrl = `/api/v1/tenants/${acct.tenantId}/backups/messages/${item.id}/preview`;
    expect((await api(h.app).get(previewUrl).set(auth(supportToken))).body.error.code).toBe('reason_required');
    const preview = await api(h.app).get(previewUrl).set(auth(supportToken)).set('Postwerk-Reason', 'ticket 4711: find the lost mail');
    expect(preview.status).toBe(200);
    expect(preview.body.headers.subject).toBe('Quarterly figures Q3');
    expect(preview.body.text).toContain('this is Quarterly figures Q3');

    const noReason = await api(h.app)
      .post(`/api/v1/tenants/${acct.tenantId}/backups/restores`)
      .set(auth(supportToken))
      .send({ accountId: acct.accountId, scope: 'messages', messageIds: [item.id], reason: '' });
    expect(noReason.status).toBe(400);

    const restore = () =>
      api(h.app)
        .post(`/api/v1/tenants/${acct.tenantId}/backups/restores`)
        .set(auth(supportToken))
        .send({ accountId: acct.accountId, scope: 'messages', messageIds: [item.id], reason: 'user deleted it by mistake (ticket 4711)' });
    const first = await restore();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ restored: 1, present: 0, failed: [] });

    const after = await withMailbox(config(), acct.address, (c) => live(c, 'INBOX'));
    const back = after.filter((m) => m.hash === sha(target));
    expect(back).toHaveLength(1);
    expect(back[0]!.internalDate).toBe(before.internalDate);
    expect(back[0]!.flags).toEqual(before.flags);

    const second = await restore();
    expect(second.body).toMatchObject({ restored: 0, present: 1 });
    expect((await withMailbox(config(), acct.address, (c) => live(c, 'INBOX'))).filter((m) => m.hash === sha(target))).toHaveLength(1);

    const audit = await h.services.db('audit_log').where({ tenant_id: acct.tenantId }).where('action', 'like', 'backup.restore%');
    expect(audit.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['backup.restore.started', 'backup.restore.finished']),
    );
    expect(audit.some((a: { after: string }) => a.after.includes('ticket 4711'))).toBe(true);
  });

  it('restores a deleted folder as of before its deletion, every message byte-identical', async () => {
    const raws = [await append('Projects/Apollo', 'Apollo plan'), await append('Projects/Apollo', 'Apollo budget', ['\\Answered'])];
    raws.push(await append('Projects/Apollo', 'Apollo review'));
    await backup();
    await pause(20);
    const beforeDeletion = new Date().toISOString();
    await pause(20);
    await withMailbox(config(), acct.address, (c) => c.mailboxDelete('Projects/Apollo'));
    const stats = await backup();
    expect(stats.foldersGone).toBeGreaterThanOrEqual(1);

    const r = await restoreBackup(h.operator, {
      tenantId: acct.tenantId,
      accountId: acct.accountId,
      scope: 'folder',
      folder: 'Projects/Apollo',
      asOf: beforeDeletion,
      reason: 'folder deleted by the user',
    });
    expect(r).toMatchObject({ restored: 3, present: 0, failed: [] });
    expect(r.foldersCreated).toContain('Projects/Apollo');
    const back = await withMailbox(config(), acct.address, (c) => live(c, 'Projects/Apollo'));
    expect(back.map((m) => m.hash).sort()).toEqual(raws.map(sha).sort());
  });

  it('puts a moved message back where it was with an account restore as of before the move', async () => {
    const raw = await append('INBOX', 'Contract draft to move');
    await append('Archive', 'Something already archived');
    await backup();
    await pause(20);
    const beforeMove = new Date().toISOString();
    await pause(20);
    await withMailbox(config(), acct.address, async (c) => {
      const msg = (await live(c, 'INBOX')).find((m) => m.hash === sha(raw))!;
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageMove(String(msg.uid), 'Archive', { uid: true });
      } finally {
        lock.release();
      }
    });
    await backup();
    const r = await restoreBackup(h.operator, {
      tenantId: acct.tenantId,
      accountId: acct.accountId,
      scope: 'account',
      asOf: beforeMove,
      reason: 'undo the move',
    });
    expect(r.failed).toEqual([]);
    expect(r.restored).toBe(1);
    const inbox = await withMailbox(config(), acct.address, (c) => live(c, 'INBOX'));
    expect(inbox.filter((m) => m.hash === sha(raw))).toHaveLength(1);
  });

  it('keeps tenants apart: the admin of another tenant gets 404 for search, preview and restore', async () => {
    const search = await api(h.app)
      .get(`/api/v1/tenants/${acct.tenantId}/backups/messages`)
      .query({ subject: 'Quarterly' })
      .set(auth(otherAdminToken));
    expect(search.status).toBe(404);
    const mine = await searchBackups(h.operator, { tenantId: acct.tenantId, subject: 'Quarterly' });
    const restore = await api(h.app)
      .post(`/api/v1/tenants/${acct.tenantId}/backups/restores`)
      .set(auth(otherAdminToken))
      .send({ accountId: acct.accountId, scope: 'messages', messageIds: [mine.items[0]!.id], reason: 'trying to reach across' });
    expect(restore.status).toBe(404);
    const preview = await api(h.app)
      .get(`/api/v1/tenants/${acct.tenantId}/backups/messages/${mine.items[0]!.id}/preview`)
      .set(auth(otherAdminToken));
    expect(preview.status).toBe(404);
  });

  it('reports a corrupted body and never appends it', async () => {
    const raw = await append('Corrupt', 'This body will be damaged');
    await backup();
    const hash = sha(raw);
    const file = path.join(config().backup.dir, acct.tenantId, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 20] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await withMailbox(config(), acct.address, (c) => c.mailboxDelete('Corrupt'));
    const [row] = (await searchBackups(h.operator, { tenantId: acct.tenantId, subject: 'This body will be damaged' })).items;
    const r = await restoreBackup(h.operator, {
      tenantId: acct.tenantId,
      accountId: acct.accountId,
      scope: 'messages',
      messageIds: [row!.id],
      reason: 'restore of a damaged body',
    });
    expect(r.restored).toBe(0);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]!.reason).toMatch(/unreadable/);
    expect(await withMailbox(config(), acct.address, (c) => live(c, 'Corrupt'))).toEqual([]);
  });

  it('fails loudly with a wrong platform key or a missing data key', async () => {
    const wrongKey = { ...h.services, config: { ...config(), secretKey: randomBytes(32) } };
    await expect(openStore(wrongKey, acct.tenantId)).rejects.toThrow(/cannot be unwrapped/);
    const [row] = (await searchBackups(h.operator, { tenantId: acct.tenantId, subject: 'Lunch on Friday' })).items;
    await expect(
      restoreBackup(withActor(wrongKey, h.operator.actor), {
        tenantId: acct.tenantId,
        accountId: acct.accountId,
        scope: 'messages',
        messageIds: [row!.id],
        targetFolder: 'Restored wrong key',
        reason: 'with the wrong key',
      }),
    ).rejects.toThrow(/cannot be unwrapped/);

    // a data key sealed for another tenant does not open for this one
    const foreign = createSecretBox(config().secretKey).seal(randomBytes(32).toString('base64'), 'backup_keys:someone-else');
    const saved = await h.services.db('backup_keys').where({ tenant_id: acct.tenantId }).first();
    await h.services.db('backup_keys').where({ tenant_id: acct.tenantId }).update({ sealed_key: foreign });
    await expect(openStore(h.services, acct.tenantId)).rejects.toThrow(/cannot be unwrapped/);
    await h.services.db('backup_keys').where({ tenant_id: acct.tenantId }).update({ sealed_key: saved.sealed_key });

    const fresh = await createTestTenant(h.services.db);
    await expect(openStore(h.services, fresh.tenantId)).rejects.toThrow(/no backup data key/);
  });
});
