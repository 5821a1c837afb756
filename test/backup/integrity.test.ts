import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { backupAccount } from '../../backup/engine/pass';
import { acquireLease } from '../../backup/engine/lease';
import { applyRetention } from '../../backup/use-cases/apply-retention';
import { checkIntegrity } from '../../backup/use-cases/check-integrity';
import { collectGarbage } from '../../backup/use-cases/collect-garbage';
import { exportAccount } from '../../backup/use-cases/export-account';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { createServices } from '../../control-plane/services';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { fill, sampleMessage, withImap } from './export-support';

/**
 * Retention, garbage collection and the integrity check against the real Dovecot and the real store:
 * a corrupted and a missing body are reported (and a notification raised), an export of the corrupted
 * body says so instead of writing it; retention drops an expunged message after its days, garbage
 * collection then removes its body and nothing else, and never runs beside a backup pass.
 */
const services = createServices(testConfig());
afterAll(() => services.close());

const objectPath = (tenantId: string, hash: string) =>
  path.join(services.config.backup.dir, tenantId, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);

async function backedUp(n: number) {
  const tenant = await createTestTenant(services.db);
  const account = await createTestAccount(services.db, { tenant });
  const d = new Date(Date.UTC(2025, 0, 1));
  await fill(
    services.config,
    account.address,
    Array.from({ length: n }, (_, i) => ({ folder: 'INBOX', raw: sampleMessage(i + 1), flags: [], internalDate: d })),
  );
  const row = (await findAccountById(services.db, account.accountId))!;
  await backupAccount(services, row, { trigger: 'demand' });
  const hashes = (await services.db('backup_messages').where({ account_id: account.accountId }).orderBy('uid').select('hash')).map(
    (r: { hash: string }) => r.hash,
  );
  return { tenant, account, row, hashes };
}

describe(`backup integrity, retention and garbage collection (${testConfig().db.client})`, () => {
  it('passes on a healthy store, then reports a corrupt and a missing body and raises a notification', async () => {
    const { tenant, account, hashes } = await backedUp(3);
    expect(await checkIntegrity(services, { tenantId: tenant.tenantId })).toMatchObject({
      status: 'passed',
      checked: 3,
      missing: 0,
      corrupt: 0,
    });

    const file = objectPath(tenant.tenantId, hashes[0]!);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 40] ^= 0xff;
    fs.writeFileSync(file, bytes);
    fs.rmSync(objectPath(tenant.tenantId, hashes[1]!));

    const report = await checkIntegrity(services, { tenantId: tenant.tenantId });
    expect(report).toMatchObject({ status: 'failed', checked: 3, missing: 1, corrupt: 1 });
    expect(report.problems.map((p) => [p.hash, p.problem]).sort()).toEqual(
      [
        [hashes[0], 'corrupt'],
        [hashes[1], 'missing'],
      ].sort(),
    );
    const notes = await services.db('backup_notifications').where({ tenant_id: tenant.tenantId });
    expect(notes.map((n: { event: string }) => n.event)).toEqual(['backup.integrity-failed']);
    expect(await services.db('audit_log').where({ tenant_id: tenant.tenantId, action: 'backup.integrity-failed' })).toHaveLength(1);

    // reading the corrupt body back (as a restore or an export does) fails and names it
    const plan = await exportAccount(withActor(services, cliActor()), {
      tenantId: tenant.tenantId,
      accountId: account.accountId,
      format: 'maildir',
      from: 'backup',
    });
    const sink = new PassThrough();
    sink.resume();
    await expect(plan.run(sink)).rejects.toThrow(/unreadable|missing from the store/);
  });

  it('drops an expunged message after the retention days, collects its body and keeps the rest', async () => {
    const { tenant, account, row, hashes } = await backedUp(3);
    await withImap(services.config, account.address, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageDelete('1');
      } finally {
        lock.release();
      }
    });
    await backupAccount(services, row, { trigger: 'demand' });

    // within the retention window nothing goes
    expect(await applyRetention(services, { tenantId: tenant.tenantId })).toMatchObject({ deletedRows: 0 });
    expect(await collectGarbage(services, { tenantId: tenant.tenantId })).toEqual({ checked: 3, deleted: 0 });

    const later = new Date(Date.now() + 31 * 86_400_000).toISOString();
    expect(await applyRetention(services, { tenantId: tenant.tenantId, now: later })).toMatchObject({ deletedRows: 1 });

    // a running backup pass of the tenant holds the collector off
    const lease = await acquireLease(services.db, account.accountId, account.address);
    await expect(collectGarbage(services, { tenantId: tenant.tenantId })).rejects.toMatchObject({ code: 'conflict' });
    await lease.release();

    expect(await collectGarbage(services, { tenantId: tenant.tenantId })).toEqual({ checked: 3, deleted: 1 });
    expect(fs.existsSync(objectPath(tenant.tenantId, hashes[0]!))).toBe(false);
    expect(fs.existsSync(objectPath(tenant.tenantId, hashes[1]!))).toBe(true);
    expect(await checkIntegrity(services, { tenantId: tenant.tenantId })).toMatchObject({ status: 'passed', checked: 2 });
  });
});
