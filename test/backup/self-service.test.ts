import { backupAccount } from '../../backup/engine/pass';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { upsertRetention } from '../../backup/repositories/maintenance';
import { api, auth, startHarness, tokenFor, type Harness } from '../control-plane/harness';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { testConfig } from '../support/env';
import { digestMailbox, fill, sampleMessage, withImap } from './export-support';

/**
 * Backup self-service against the real Dovecot: an account's own user signs in with the mail password
 * (checked against its {BLF-CRYPT} hash), lists its deleted messages, restores one byte for byte with
 * its flags and date (twice: the second adds nothing), and can neither see nor restore another
 * account's; staff tokens and a wrong password get nowhere.
 */
let h: Harness;
let alice: TestAccount;
let bob: TestAccount;
let tenantId: string;

async function deleteAll(address: string) {
  await withImap(h.services.config, address, async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      await c.messageDelete('1:*');
    } finally {
      lock.release();
    }
  });
}

beforeAll(async () => {
  h = startHarness();
  const tenant = await createTestTenant(h.services.db);
  tenantId = tenant.tenantId;
  alice = await createTestAccount(h.services.db, { tenant });
  bob = await createTestAccount(h.services.db, { tenant });
  const d = new Date(Date.UTC(2025, 2, 3, 4, 5, 6));
  await fill(h.services.config, alice.address, [
    { folder: 'INBOX', raw: sampleMessage(1, { subject: 'alice private' }), flags: ['\\Seen', '\\Flagged'], internalDate: d },
  ]);
  await fill(h.services.config, bob.address, [
    { folder: 'INBOX', raw: sampleMessage(2, { subject: 'bob private' }), flags: [], internalDate: d },
  ]);
  for (const a of [alice, bob])
    await backupAccount(h.services, (await findAccountById(h.services.db, a.accountId))!, { trigger: 'demand' });
});
afterAll(() => h.close());

async function signIn(a: TestAccount, password = a.password): Promise<{ status: number; cookie: string }> {
  const res = await api(h.app).post('/api/v1/self/session').send({ address: a.address, password });
  const cookie = ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
  return { status: res.status, cookie };
}

describe(`backup self-service (${testConfig().db.client})`, () => {
  it('refuses a wrong password, and staff', async () => {
    expect((await signIn(alice, 'wrong-password-1')).status).toBe(401);
    expect((await api(h.app).get('/api/v1/self/deleted')).status).toBe(401);
    const admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
    expect((await api(h.app).get('/api/v1/self/deleted').set(auth(admin))).status).toBe(403);
  });

  it('lets a user restore their own deleted message, once, and never see or touch another account', async () => {
    const before = await digestMailbox(h.services.config, alice.address);
    await deleteAll(alice.address);
    await deleteAll(bob.address);
    for (const a of [alice, bob])
      await backupAccount(h.services, (await findAccountById(h.services.db, a.accountId))!, { trigger: 'demand' });

    const session = await signIn(alice);
    expect(session.status).toBe(200);
    const me = await api(h.app).get('/api/v1/auth/me').set('cookie', session.cookie);
    expect(me.body).toMatchObject({ kind: 'mail_user', label: alice.address, role: 'mail_user' });

    const list = await api(h.app).get('/api/v1/self/deleted').set('cookie', session.cookie);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { subject: string }) => i.subject)).toEqual(['alice private']);

    // bob's deleted message: not listed, and its id answers 404 to alice
    const bobRow = await h.services.db('backup_messages').where({ account_id: bob.accountId }).whereNotNull('gone_at').first();
    expect((await api(h.app).post(`/api/v1/self/deleted/${bobRow.id}/restore`).set('cookie', session.cookie)).status).toBe(404);
    expect(await digestMailbox(h.services.config, bob.address)).toEqual({});

    // alice's message comes back as it was, and a second restore adds nothing
    const id = list.body.items[0].id as number;
    const first = await api(h.app).post(`/api/v1/self/deleted/${id}/restore`).set('cookie', session.cookie);
    expect(first.body).toEqual({ restored: true, folder: 'INBOX' });
    const again = await api(h.app).post(`/api/v1/self/deleted/${id}/restore`).set('cookie', session.cookie);
    expect(again.body).toEqual({ restored: false, folder: 'INBOX' });
    expect(await digestMailbox(h.services.config, alice.address)).toEqual(before);

    const audit = await h.services.db('audit_log').where({ tenant_id: tenantId, action: 'backup.self-restore' });
    expect(audit.map((a: { actor_type: string; actor_role: string }) => [a.actor_type, a.actor_role])).toEqual([
      ['mail_user', 'mail_user'],
      ['mail_user', 'mail_user'],
    ]);

    // a mail user reaches no staff route
    expect((await api(h.app).get(`/api/v1/tenants/${tenantId}/accounts`).set('cookie', session.cookie)).status).toBe(403);
  });

  it("shows a mail user their own usage against the allocation, live from Dovecot, and nobody else's", async () => {
    expect((await api(h.app).get('/api/v1/self/usage')).status).toBe(401);
    const admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
    expect((await api(h.app).get('/api/v1/self/usage').set(auth(admin))).status).toBe(403);
    const session = await signIn(alice);
    const before = await api(h.app).get('/api/v1/self/usage').set('cookie', session.cookie);
    expect(before.status).toBe(200);
    const allocation = (await h.services.db('accounts').where({ id: alice.accountId }).first()).allocation_bytes;
    expect(before.body).toMatchObject({ address: alice.address, allocationBytes: Number(allocation) });
    await fill(h.services.config, alice.address, [
      { folder: 'INBOX', raw: sampleMessage(3, { subject: 'usage probe' }), flags: [], internalDate: new Date() },
    ]);
    const after = await api(h.app).get('/api/v1/self/usage').set('cookie', session.cookie);
    expect(after.body.usedMessages).toBe(before.body.usedMessages + 1);
    expect(after.body.usedBytes).toBeGreaterThanOrEqual(before.body.usedBytes);
    expect(after.body.percent).toBe(Math.round((after.body.usedBytes * 1000) / after.body.allocationBytes) / 10);
  });

  it('lists nothing when the tenant turned self-service off', async () => {
    await upsertRetention(h.services.db, {
      tenant_id: tenantId,
      deleted_days: 30,
      history_days: 90,
      self_service_days: 0,
      updated_at: new Date().toISOString(),
    });
    const session = await signIn(bob);
    const list = await api(h.app).get('/api/v1/self/deleted').set('cookie', session.cookie);
    expect(list.body).toEqual({ days: 0, items: [] });
  });
});
