import { randomUUID } from 'node:crypto';
import { migrateLatest } from '../../platform/db';
import { migrationNames } from '../../platform/db/migrations';
import { appendAudit, verifyAuditChain } from '../../platform/audit';
import { systemActor } from '../../platform/actor';
import { scratchDb } from '../support/scratch-db';
import { testConfig } from '../support/env';

describe(`database (${testConfig().db.client})`, () => {
  it('runs every migration up, down and up again', async () => {
    const { db, drop } = await scratchDb({ migrate: false });
    try {
      const applied = await migrateLatest(db);
      expect(applied).toEqual(migrationNames());
      expect(await db.schema.hasTable('accounts')).toBe(true);
      await db.migrate.rollback({ migrationSource: (await import('../../platform/db/migrations')).migrationSource }, true);
      expect(await db.schema.hasTable('accounts')).toBe(false);
      expect(await migrateLatest(db)).toEqual(migrationNames());
    } finally {
      await drop();
    }
  });

  it('exposes accounts and aliases to Dovecot through mail_users, never with an unlimited quota', async () => {
    const { db, drop } = await scratchDb();
    try {
      const now = new Date().toISOString();
      const [t, d, a] = [randomUUID(), randomUUID(), randomUUID()];
      await db('tenants').insert({ id: t, slug: 'acme', name: 'Acme', created_at: now, updated_at: now });
      await db('domains').insert({ id: d, tenant_id: t, name: 'acme.test', created_at: now, updated_at: now });
      await db('accounts').insert({
        id: a,
        tenant_id: t,
        domain_id: d,
        local_part: 'ann',
        address: 'ann@acme.test',
        password_hash: '{BLF-CRYPT}x',
        allocation_bytes: 0,
        mail_path: `${t}/${a}`,
        created_at: now,
        updated_at: now,
      });
      await db('aliases').insert({
        id: randomUUID(),
        tenant_id: t,
        domain_id: d,
        address: 'info@acme.test',
        account_id: a,
        created_at: now,
      });
      const rows = await db('mail_users').orderBy('lookup');
      expect(rows).toEqual([
        {
          lookup: 'ann@acme.test',
          username: 'ann@acme.test',
          password: '{BLF-CRYPT}x',
          mail_path: `${t}/${a}`,
          quota_bytes: 1,
          login_enabled: 1,
          kind: 'account',
          deliverable: 1,
        },
        {
          lookup: 'info@acme.test',
          username: 'ann@acme.test',
          password: '{BLF-CRYPT}x',
          mail_path: `${t}/${a}`,
          quota_bytes: 1,
          login_enabled: 0,
          kind: 'alias',
          deliverable: 1,
        },
      ]);
      await db('accounts').where({ id: a }).update({ status: 'suspended' });
      expect((await db('mail_users').where({ lookup: 'ann@acme.test' }).first()).login_enabled).toBe(0);
    } finally {
      await drop();
    }
  });

  it('chains the audit log so that an edited, deleted or cut entry is found', async () => {
    const { db, drop } = await scratchDb();
    try {
      for (let i = 0; i < 5; i++) {
        await db.transaction((trx) => appendAudit(trx, systemActor('test'), { action: 'thing.changed', after: { i } }));
      }
      expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5, problems: [] });

      await db('audit_log').where({ id: 2 }).update({ after: '{"i":42}' });
      let v = await verifyAuditChain(db);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual([{ id: 2, problem: expect.stringMatching(/edited/) }]);

      await db('audit_log').where({ id: 2 }).delete();
      v = await verifyAuditChain(db);
      // the gap in the chain's seq and the broken link, both at the entry after the deleted one
      expect(v.problems.map((p) => p.id)).toEqual([3, 3]);

      await db('audit_log').where({ id: 5 }).delete();
      v = await verifyAuditChain(db);
      expect(v.problems.at(-1)?.problem).toMatch(/removed at the end/);
    } finally {
      await drop();
    }
  });
});
