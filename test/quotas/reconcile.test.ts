import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../platform/db';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { collectUsage } from '../../quotas/use-cases/collect-usage';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { api, createToken, KiB, messageOf, startApi } from './support';

/**
 * Reconciliation recounts every mailbox in Dovecot, repairs what Postwerk recorded and reports the
 * drift (result and audit entry). Drift is injected twice over: mail written into the Maildir behind
 * Dovecot's back, and a record edited by hand.
 */
const MAIL_UID = 5000;

describe(`usage reconciliation (${testConfig().db.client})`, () => {
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

  it('repairs injected drift and reports it with the numbers', async () => {
    const tenant = await createTestTenant(db);
    const acct = await createTestAccount(db, { tenant, quotaBytes: 1024 * KiB });
    const operator = await createToken(db, 'operator', null);
    const base = `/tenants/${tenant.tenantId}/quota`;

    const r = await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [acct.address] }, messageOf(20 * KiB));
    expect(r.accepted).toEqual([acct.address]);
    await collectUsage(server.services, { tenantId: tenant.tenantId });
    const collected = await db('quota_usage').where({ account_id: acct.accountId }).first();
    expect(Number(collected.used_messages)).toBe(1);

    // Drift 1: a message file written straight into the Maildir, as a restore script or a broken sync would.
    const row = await db('accounts').where({ id: acct.accountId }).first('mail_path');
    const newDir = path.join(testConfig().dovecot.mailRoot, row.mail_path, 'Maildir', 'new');
    const file = path.join(newDir, `${Date.now()}.M1P1.reconcile-test`);
    fs.writeFileSync(file, messageOf(30 * KiB, 'behind dovecot'));
    fs.chownSync(file, MAIL_UID, MAIL_UID);
    // Drift 2: the record edited by hand.
    await db('quota_usage')
      .where({ account_id: acct.accountId })
      .update({ used_bytes: 1 * KiB, used_messages: 0 });

    const res = await api(server.url, operator, 'POST', `${base}/reconcile`);
    expect(res.status).toBe(200);
    expect(res.body.failed).toEqual([]);
    const drift = res.body.drifted.find((d: { accountId: string }) => d.accountId === acct.accountId);
    expect(drift).toMatchObject({ address: acct.address, recordedBytes: 1 * KiB, recordedMessages: 0, recountMessages: 2 });
    expect(drift.recountBytes).toBeGreaterThanOrEqual(50 * KiB);
    expect(drift.recordDriftBytes).toBe(drift.recountBytes - 1 * KiB);

    // Repaired: the record is the recount, with a history sample, and the drift is in the audit log.
    const repaired = await db('quota_usage').where({ account_id: acct.accountId }).first();
    expect(Number(repaired.used_bytes)).toBe(drift.recountBytes);
    expect(Number(repaired.used_messages)).toBe(2);
    const audit = await db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.reconciled' });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].after).accounts[0]).toMatchObject({
      accountId: acct.accountId,
      usedBytes: drift.recountBytes,
      recordDriftBytes: drift.recordDriftBytes,
    });
    expect(JSON.parse(audit[0].before).accounts[0]).toMatchObject({ recordedBytes: 1 * KiB });

    // Nothing left to repair.
    const again = await api(server.url, operator, 'POST', `${base}/reconcile`);
    expect(again.body.drifted).toEqual([]);
    expect(await db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.reconciled' })).toHaveLength(1);

    // Tenant admins may not trigger it.
    const admin = await createToken(db, 'tenant_admin', tenant.tenantId);
    expect((await api(server.url, admin, 'POST', `${base}/reconcile`)).status).toBe(403);
  });
});
