import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/db';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { DoveadmClient } from '../../platform/mail/doveadm';
import { silentLogger } from '../../platform/logger';
import { mayAccept } from '../../quotas/use-cases/may-accept';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { KiB, messageOf } from './support';

/** mayAccept: what the SMTP ingress asks at RCPT TO, answered from the live Dovecot figures. */
describe(`mayAccept (${testConfig().db.client})`, () => {
  let db: Db;
  let deps: Parameters<typeof mayAccept>[0];
  beforeAll(() => {
    db = testDb();
    deps = { db, doveadm: new DoveadmClient(testConfig().dovecot), logger: silentLogger };
  });
  afterAll(() => db.destroy());

  const now = () => new Date().toISOString();

  it('answers for an account, an alias, forwardings, an unknown address and a full account', async () => {
    const tenant = await createTestTenant(db);
    const alice = await createTestAccount(db, { tenant, quotaBytes: 50 * KiB });
    const bob = await createTestAccount(db, { tenant, quotaBytes: 20 * KiB });
    const carol = await createTestAccount(db, { tenant, quotaBytes: 1024 * KiB });
    const dave = await createTestAccount(db, { tenant, quotaBytes: 1024 * KiB });
    const alias = `info-${randomUUID().slice(0, 8)}@${tenant.domain}`;
    await db('aliases').insert({
      id: randomUUID(),
      tenant_id: tenant.tenantId,
      domain_id: tenant.domainId,
      address: alias,
      account_id: alice.accountId,
      created_at: now(),
    });
    // carol forwards everything to bob and keeps no copy; dave forwards to alice and keeps one
    await db('forwardings').insert({
      id: randomUUID(),
      tenant_id: tenant.tenantId,
      account_id: carol.accountId,
      target_address: bob.address,
      keep_copy: 0,
      created_at: now(),
    });
    await db('forwardings').insert({
      id: randomUUID(),
      tenant_id: tenant.tenantId,
      account_id: dave.accountId,
      target_address: alice.address,
      keep_copy: 1,
      created_at: now(),
    });

    const ok = await mayAccept(deps, alice.address, 10 * KiB);
    expect(ok).toMatchObject({ accept: true, reason: 'ok' });
    expect(ok.accounts).toEqual([
      expect.objectContaining({ accountId: alice.accountId, allocationBytes: 50 * KiB, usedBytes: 0, source: 'dovecot' }),
    ]);

    // The alias answers for its account, whatever case the sender wrote it in.
    const viaAlias = await mayAccept(deps, alias.toUpperCase(), 10 * KiB);
    expect(viaAlias).toMatchObject({ accept: true, accounts: [expect.objectContaining({ accountId: alice.accountId })] });
    // More than the free space: refused with the account's figures.
    expect(await mayAccept(deps, alias, 60 * KiB)).toMatchObject({
      accept: false,
      reason: 'over_quota',
      full: { accountId: alice.accountId, freeBytes: 50 * KiB },
    });

    expect(await mayAccept(deps, `nobody-${randomUUID()}@${tenant.domain}`, 1)).toEqual({
      accept: false,
      reason: 'unknown_address',
      accounts: [],
    });

    // Fill bob: 18 KiB of 20 KiB, then the allocation is forced under the usage.
    const r = await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [bob.address] }, messageOf(18 * KiB));
    expect(r.accepted).toEqual([bob.address]);
    expect(await mayAccept(deps, bob.address, 1 * KiB)).toMatchObject({ accept: true });
    expect(await mayAccept(deps, bob.address, 3 * KiB)).toMatchObject({ accept: false, reason: 'over_quota' });
    await db('accounts')
      .where({ id: bob.accountId })
      .update({ allocation_bytes: 10 * KiB });
    const full = await mayAccept(deps, bob.address, 0);
    expect(full).toMatchObject({ accept: false, reason: 'over_quota', full: { accountId: bob.accountId, allocationBytes: 10 * KiB } });
    expect(full.full!.usedBytes).toBeGreaterThanOrEqual(18 * KiB);

    // carol keeps no copy: the message lands with bob, who is full.
    expect(await mayAccept(deps, carol.address, 1 * KiB)).toMatchObject({
      accept: false,
      reason: 'over_quota',
      full: { accountId: bob.accountId },
    });
    // dave keeps a copy and forwards to alice: both must have room.
    const both = await mayAccept(deps, dave.address, 1 * KiB);
    expect(both.accept).toBe(true);
    expect(both.accounts.map((a) => a.accountId).sort()).toEqual([alice.accountId, dave.accountId].sort());
    expect(await mayAccept(deps, dave.address, 100 * KiB)).toMatchObject({ accept: false, full: { accountId: alice.accountId } });
  });

  it('answers from the recorded figure when Dovecot does not answer', async () => {
    const acct = await createTestAccount(db, { quotaBytes: 100 * KiB });
    await db('quota_usage').insert({
      account_id: acct.accountId,
      tenant_id: acct.tenantId,
      used_bytes: 99 * KiB,
      used_messages: 3,
      collected_at: now(),
      warning_level: 95,
    });
    const offline = { ...deps, doveadm: new DoveadmClient({ doveadmUrl: 'http://127.0.0.1:9/doveadm/v1', doveadmApiKey: 'x' }) };
    expect(await mayAccept(offline, acct.address, 2 * KiB)).toMatchObject({
      accept: false,
      reason: 'over_quota',
      full: { usedBytes: 99 * KiB, source: 'recorded' },
    });
    expect(await mayAccept(offline, acct.address, 512)).toMatchObject({ accept: true, accounts: [{ source: 'recorded' }] });
  });

  it('refuses a declared size that would take the tenant over its pool (stored bytes as last collected)', async () => {
    const tenant = await createTestTenant(db, { poolBytes: 100 * KiB });
    const acct = await createTestAccount(db, { tenant, quotaBytes: 100 * KiB });
    const other = await createTestAccount(db, { tenant, quotaBytes: 0 });
    await db('quota_usage').insert({
      account_id: other.accountId,
      tenant_id: tenant.tenantId,
      used_bytes: 90 * KiB,
      used_messages: 9,
      collected_at: now(),
      warning_level: 0,
    });
    expect(await mayAccept(deps, acct.address, 5 * KiB)).toMatchObject({ accept: true, reason: 'ok' });
    expect(await mayAccept(deps, acct.address, 20 * KiB)).toMatchObject({
      accept: false,
      reason: 'pool_full',
      poolFull: { tenantId: tenant.tenantId, poolBytes: 100 * KiB, usedBytes: 90 * KiB },
    });
    // no declared size: the account's own room decides, Dovecot enforces the rest at delivery
    expect(await mayAccept(deps, acct.address, 0)).toMatchObject({ accept: true });
  });
});
