import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { backupAccount } from '../../backup/engine/pass';
import { acquireLease } from '../../backup/engine/lease';
import { runRestoreDrill } from '../../backup/use-cases/run-restore-drill';
import { listDrills } from '../../backup/use-cases/list-drills';
import { backupJobHandlers } from '../../backup/processors';
import type { Job } from 'bullmq';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { createServices } from '../../control-plane/services';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { api, auth, startHarness, tokenFor } from '../control-plane/harness';
import { ImapFlow } from 'imapflow';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { platformImapOptions } from '../../platform/mail/imap';
import { digestMailbox, fill, sampleMessage, withImap } from './export-support';

/**
 * Restore drills against the real Dovecot and the real store: a healthy backup passes and records its
 * recovery point and time, leaving no scratch folder and the real mailboxes as they were; a data key
 * that does not open (another tenant's sealed key) and a corrupted body fail the drill loudly, are
 * recorded and notified, and put nothing into any mailbox.
 */
const services = createServices(testConfig());
const ctx = withActor(services, cliActor());
afterAll(() => services.close());

const objectPath = (tenantId: string, hash: string) =>
  path.join(services.config.backup.dir, tenantId, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);

/** A tenant with two accounts (INBOX and a second folder), delivered and backed up. */
async function backedUpTenant() {
  const tenant = await createTestTenant(services.db);
  const accounts = [];
  for (let a = 0; a < 2; a++) {
    const account = await createTestAccount(services.db, { tenant });
    const d = new Date(Date.UTC(2025, 2, 1 + a));
    await fill(services.config, account.address, [
      { folder: 'INBOX', raw: sampleMessage(a * 10 + 1), flags: ['\\Seen'], internalDate: d },
      { folder: 'INBOX', raw: sampleMessage(a * 10 + 2, { subject: 'Grüße' }), flags: [], internalDate: d },
      { folder: 'Projects/2025', raw: sampleMessage(a * 10 + 3), flags: ['\\Flagged'], internalDate: d },
    ]);
    await backupAccount(services, (await findAccountById(services.db, account.accountId))!, { trigger: 'demand' });
    accounts.push(account);
  }
  return { tenant, accounts };
}

/** No drill folder left, and no message in any folder. */
function expectEmptyScratch(content: Record<string, number>) {
  expect(content.INBOX).toBe(0);
  expect(Object.keys(content).filter((f) => f.startsWith('Drill'))).toEqual([]);
  expect(Object.values(content).every((n) => n === 0)).toBe(true);
}

const digests = (addresses: string[]) => Promise.all(addresses.map((a) => digestMailbox(services.config, a)));

/** Every folder of the tenant's scratch mailbox with its message count (Dovecot creates the special-use ones empty). */
async function scratchContent(tenantId: string): Promise<Record<string, number>> {
  const row = await services.db('backup_scratch_mailboxes').where({ tenant_id: tenantId }).first();
  expect(row).toBeDefined();
  return withImap(services.config, row.address as string, async (c) => {
    const out: Record<string, number> = {};
    for (const f of await c.list()) {
      const st = await c.status(f.path, { messages: true });
      out[f.path] = st ? (st.messages ?? 0) : -1;
    }
    return out;
  });
}

describe(`backup restore drills (${testConfig().db.client})`, () => {
  it('passes on a healthy backup, records recovery point and time, and leaves no trace', async () => {
    const { tenant, accounts } = await backedUpTenant();
    const before = await digests(accounts.map((a) => a.address));

    const report = await runRestoreDrill(ctx, { tenantId: tenant.tenantId });
    expect(report).toMatchObject({ status: 'passed', sampled: 6, passed: 6, failed: [], error: null });
    expect(report.restoredBytes).toBeGreaterThan(0);
    expect(typeof report.recoveryTimeMs).toBe('number');
    expect(report.recoveryPoint.neverBackedUp).toBe(0);
    expect(report.recoveryPoint.accounts.map((a) => a.accountId).sort()).toEqual(accounts.map((a) => a.accountId).sort());
    const passes = await services.db('backup_passes').where({ tenant_id: tenant.tenantId, status: 'done' });
    for (const rp of report.recoveryPoint.accounts) {
      // the newest complete pass of that account, and its age at the end of the drill
      const newest = passes
        .filter((p: { account_id: string }) => p.account_id === rp.accountId)
        .map((p: { finished_at: string }) => p.finished_at)
        .sort()
        .pop() as string;
      expect(rp.lastCompleteAt).toBe(newest);
      expect(rp.recoveryPointSeconds).toBe(Math.max(0, Math.round((Date.parse(report.finishedAt) - Date.parse(newest)) / 1000)));
    }
    expect(report.recoveryPoint.maxSeconds).toBe(Math.max(...report.recoveryPoint.accounts.map((a) => a.recoveryPointSeconds!)));

    // recorded, shown through the listing, nothing raised
    const listed = await listDrills(ctx, { tenantId: tenant.tenantId });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: report.id, status: 'passed', result: { sampled: 6, passed: 6 } });
    expect(listed.items[0]!.result!.recoveryTimeMs).toBe(report.recoveryTimeMs);
    expect(await services.db('backup_notifications').where({ tenant_id: tenant.tenantId })).toHaveLength(0);

    // the scratch folder is gone, the scratch mailbox is no account, the real mailboxes are as they were
    expectEmptyScratch(await scratchContent(tenant.tenantId));
    expect(await services.db('accounts').where({ tenant_id: tenant.tenantId })).toHaveLength(2);
    expect(await digests(accounts.map((a) => a.address))).toEqual(before);
  });

  it('fails loudly with another tenant’s sealed key: recorded, notified, nothing written anywhere', async () => {
    const { tenant, accounts } = await backedUpTenant();
    const other = await backedUpTenant();
    const before = await digests(accounts.map((a) => a.address));
    const foreign = await services.db('backup_keys').where({ tenant_id: other.tenant.tenantId }).first();
    await services.db('backup_keys').where({ tenant_id: tenant.tenantId }).update({ sealed_key: foreign.sealed_key });

    const report = await runRestoreDrill(ctx, { tenantId: tenant.tenantId });
    expect(report).toMatchObject({ status: 'failed', sampled: 6, passed: 0, restoredBytes: 0, recoveryTimeMs: null });
    expect(report.error).toMatch(/backup data key of tenant .* cannot be unwrapped/);

    const check = await services.db('backup_checks').where({ id: report.id }).first();
    expect(check).toMatchObject({ kind: 'drill', status: 'failed', error: report.error });
    const notes = await services.db('backup_notifications').where({ tenant_id: tenant.tenantId });
    expect(notes.map((n: { event: string; check_id: string }) => [n.event, n.check_id])).toEqual([['backup.drill-failed', report.id]]);
    expect(await services.db('audit_log').where({ tenant_id: tenant.tenantId, action: 'backup.drill-failed' })).toHaveLength(1);

    expectEmptyScratch(await scratchContent(tenant.tenantId));
    expect(await digests(accounts.map((a) => a.address))).toEqual(before);
    // the other tenant's drill still passes with its own key
    expect((await runRestoreDrill(ctx, { tenantId: other.tenant.tenantId })).status).toBe('passed');
  });

  it('fails on a corrupted body in the store, naming the message, and restores none of it', async () => {
    const { tenant, accounts } = await backedUpTenant();
    const victim = await services.db('backup_messages').where({ account_id: accounts[1]!.accountId, folder: 'Projects/2025' }).first();
    const file = objectPath(tenant.tenantId, victim.hash);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 40] ^= 0xff;
    fs.writeFileSync(file, bytes);

    const report = await runRestoreDrill(ctx, { tenantId: tenant.tenantId });
    expect(report).toMatchObject({ status: 'failed', sampled: 6, passed: 5, error: null });
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({
      id: Number(victim.id),
      accountId: accounts[1]!.accountId,
      folder: 'Projects/2025',
      uid: Number(victim.uid),
      messageId: victim.message_id,
      hash: victim.hash,
    });
    expect(report.failed[0]!.reason).toMatch(/^not restorable: /);
    const notes = await services.db('backup_notifications').where({ tenant_id: tenant.tenantId });
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0].detail).failed[0].id).toBe(Number(victim.id));
    expectEmptyScratch(await scratchContent(tenant.tenantId));
  });

  it('keeps the scratch mailbox closed: no mail is delivered to it and no password opens it', async () => {
    const { tenant } = await backedUpTenant();
    expect((await runRestoreDrill(ctx, { tenantId: tenant.tenantId })).status).toBe('passed');
    const { address } = await services.db('backup_scratch_mailboxes').where({ tenant_id: tenant.tenantId }).first();
    const lmtp = await deliverLmtp(services.config.dovecot, { from: 'x@example.org', to: [address] }, sampleMessage(99));
    expect(lmtp.rejected[0]?.response).toMatch(/^550 5\.1\.1/);
    for (const password of ['!', '']) {
      const client = new ImapFlow(platformImapOptions(services.config.dovecot, { user: address, password }));
      client.on('error', () => undefined);
      await expect(client.connect()).rejects.toBeDefined();
      client.close();
    }
    expectEmptyScratch(await scratchContent(tenant.tenantId));
  });

  it('prints the figures with `postwerk backup drill`, and shows them through the API to tenant admins and support', async () => {
    const { tenant } = await backedUpTenant();
    const bin = path.resolve(__dirname, '../../bin/postwerk');
    const cli = spawnSync(process.execPath, [bin, 'backup', 'drill', '--tenant', tenant.tenantId], {
      encoding: 'utf8',
      env: { ...process.env, POSTWERK_LOG_LEVEL: 'error' },
      timeout: 120_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(
      new RegExp(
        `^drill \\S+ of tenant ${tenant.tenantId}: PASSED, 6/6 sampled messages restored byte-identical; recovery time \\d+ ms; recovery point max \\d+ s`,
      ),
    );
    expect(cli.stdout.match(/recovery point \d+ s\t/g)).toHaveLength(2);

    const h = startHarness();
    try {
      for (const role of ['tenant_admin', 'support'] as const) {
        const token = await tokenFor(h.operator, role, role === 'tenant_admin' ? tenant.tenantId : null);
        const res = await api(h.app).get(`/api/v1/tenants/${tenant.tenantId}/backups/drills`).set(auth(token));
        expect(res.status).toBe(200);
        expect(res.body.items).toHaveLength(1);
        expect(res.body.items[0]).toMatchObject({ status: 'passed', result: { sampled: 6, passed: 6, failed: [] } });
        expect(typeof res.body.items[0].result.recoveryTimeMs).toBe('number');
        expect(res.body.items[0].result.recoveryPoint.accounts).toHaveLength(2);
      }
      const admin = await tokenFor(h.operator, 'tenant_admin', tenant.tenantId);
      const queued = await api(h.app).post(`/api/v1/tenants/${tenant.tenantId}/backups/drills`).set(auth(admin)).send({});
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ tenantId: tenant.tenantId, jobId: expect.any(String) });
      const support = await tokenFor(h.operator, 'support');
      expect((await api(h.app).post(`/api/v1/tenants/${tenant.tenantId}/backups/drills`).set(auth(support)).send({})).status).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('runs as the backup.drill job: a failed drill is a result of the job, not a retry', async () => {
    const { tenant, accounts } = await backedUpTenant();
    const handler = backupJobHandlers(services).find((x) => x.job.name === 'backup.drill')!;
    const ok = await handler.handle({ tenantId: tenant.tenantId, trigger: 'schedule' }, {} as Job);
    expect(ok).toMatchObject({ status: 'done', detail: { status: 'passed', sampled: 6, failed: 0 } });
    const victim = await services.db('backup_messages').where({ account_id: accounts[0]!.accountId }).first();
    fs.rmSync(objectPath(tenant.tenantId, victim.hash));
    const bad = await handler.handle({ tenantId: tenant.tenantId, trigger: 'schedule' }, {} as Job);
    expect(bad).toMatchObject({ status: 'done', detail: { status: 'failed', sampled: 6, failed: 1 } });
    const checks = await services.db('backup_checks').where({ tenant_id: tenant.tenantId, kind: 'drill' }).orderBy('started_at');
    expect(checks.map((c: { status: string }) => c.status)).toEqual(['passed', 'failed']);
  });

  it('never runs beside a backup pass of a sampled account', async () => {
    const { tenant, accounts } = await backedUpTenant();
    const lease = await acquireLease(services.db, accounts[0]!.accountId, accounts[0]!.address);
    try {
      await expect(runRestoreDrill(ctx, { tenantId: tenant.tenantId })).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await lease.release();
    }
    expect(await services.db('backup_checks').where({ tenant_id: tenant.tenantId })).toHaveLength(0);
    // and the drill's own leases are released afterwards: a pass can run again
    await backupAccount(services, (await findAccountById(services.db, accounts[0]!.accountId))!, { trigger: 'demand' });
    expect((await runRestoreDrill(ctx, { tenantId: tenant.tenantId })).status).toBe('passed');
  });
});
