import type { ImapFlow } from 'imapflow';
import type { Db } from '../../platform/db';
import { connectPlatformImap } from '../../platform/mail/imap';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { api, createToken, KiB, messageOf, startApi } from './support';

/**
 * Allocations are enforced by the real Dovecot: it reads each account's limit from mail_users at
 * every login and delivery, and Postwerk kicks open sessions after a change.
 */
describe(`quota enforcement in the mail path (${testConfig().db.client})`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    db = testDb();
    server = await startApi();
  });
  afterAll(async () => {
    await server.close();
    await db.destroy();
  });

  const login = (a: { address: string; password: string }) =>
    connectPlatformImap(testConfig().dovecot, { user: a.address, password: a.password });

  it('refuses an APPEND over the allocation, refuses lowering below usage, and takes the APPEND within seconds after the tenant admin raises it', async () => {
    const tenant = await createTestTenant(db, { poolBytes: 10 * 1024 * KiB });
    const alice = await createTestAccount(db, { tenant, quotaBytes: 60 * KiB });
    const bob = await createTestAccount(db, { tenant, quotaBytes: 1024 * KiB });
    const token = await createToken(db, 'tenant_admin', tenant.tenantId);

    let client: ImapFlow = await login(alice);
    let closed = false;
    client.on('close', () => (closed = true));
    const big = messageOf(40 * KiB, 'forty');
    await client.append('INBOX', big);
    const refused = await client.append('INBOX', big).then(
      () => null,
      (e: { serverResponseCode?: string }) => e,
    );
    expect(refused?.serverResponseCode).toBe('OVERQUOTA');

    // Lowering below the 40 KiB in the mailbox is refused, and the answer names the usage.
    const lower = await api(server.url, token, 'POST', `/tenants/${tenant.tenantId}/quota/reassignments`, {
      changes: [{ accountId: alice.accountId, allocationBytes: 20 * KiB }],
    });
    expect(lower.status).toBe(422);
    expect(lower.body.error.code).toBe('below_usage');
    expect(lower.body.error.message).toMatch(new RegExp(`${alice.address} uses (39|40)(\\.\\d)? KiB`));
    expect(lower.body.error.details[0]).toMatchObject({ accountId: alice.accountId, address: alice.address, requestedBytes: 20 * KiB });
    expect(lower.body.error.details[0].usedBytes).toBeGreaterThanOrEqual(39 * KiB);

    // The tenant admin moves 140 KiB from bob to alice in one request.
    const started = Date.now();
    const raise = await api(server.url, token, 'POST', `/tenants/${tenant.tenantId}/quota/reassignments`, {
      changes: [
        { accountId: alice.accountId, allocationBytes: 200 * KiB },
        { accountId: bob.accountId, allocationBytes: 884 * KiB },
      ],
    });
    expect(raise.status).toBe(200);
    expect(raise.body).toMatchObject({ changed: true, pool: { allocatedBytes: 1084 * KiB, poolBytes: 10 * 1024 * KiB } });

    // The open session was kicked so that it cannot keep the old limit; the client logs in again.
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(true);
    client = await login(alice);
    try {
      const ok = await client.append('INBOX', big);
      expect(ok).toBeTruthy();
    } finally {
      await client.logout();
    }
    // "within seconds": typically well under one; the bound leaves room for a loaded test machine
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses LMTP delivery over the allocation permanently (552 5.2.2), and at RCPT once the account is full', async () => {
    const tenant = await createTestTenant(db);
    const carol = await createTestAccount(db, { tenant, quotaBytes: 30 * KiB });
    const dovecot = testConfig().dovecot;

    const tooBig = await deliverLmtp(dovecot, { from: 'sender@example.test', to: [carol.address] }, messageOf(40 * KiB));
    expect(tooBig.accepted).toEqual([]);
    expect(tooBig.rejected[0]).toMatchObject({ code: 552 });
    expect(tooBig.rejected[0]!.response).toMatch(/5\.2\.2/);

    const fits = await deliverLmtp(dovecot, { from: 'sender@example.test', to: [carol.address] }, messageOf(25 * KiB));
    expect(fits.accepted).toEqual([carol.address]);

    // An operator forces the allocation below usage: the account is full and takes nothing more.
    await db('accounts')
      .where({ id: carol.accountId })
      .update({ allocation_bytes: 10 * KiB });
    const full = await deliverLmtp(dovecot, { from: 'sender@example.test', to: [carol.address] }, messageOf(1 * KiB));
    expect(full.accepted).toEqual([]);
    expect(full.rejected[0]).toMatchObject({ code: 552 });
    expect(full.rejected[0]!.response).toMatch(/5\.2\.2/);
  });
});
