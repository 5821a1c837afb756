import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import {
  anchorAuditHeads,
  appendAudit,
  auditSettingsOf,
  canonicalJson,
  entryMac,
  PLATFORM_CHAIN,
  verifyAuditChain,
  type AuditRow,
} from '../../platform/audit';
import { systemActor, type Actor } from '../../platform/actor';
import { isPostgres, migrateLatest, type Db } from '../../platform/db';
import { migrationSource } from '../../platform/db/migrations';
import { scratchDb } from '../support/scratch-db';
import { testConfig } from '../support/env';

/**
 * The audit chains (platform/audit.ts) on a scratch database of the run's kind: per-tenant chains keyed
 * with the audit key, the heads file outside the database, and what each kind of tampering leaves behind.
 */
const staff: Actor = { kind: 'staff', id: randomUUID(), label: 'ann@acme.test', role: 'tenant_admin', tenantId: null };

const append = (db: Db, tenantId: string | null, i: number, actor: Actor = systemActor('test')) =>
  db.transaction((trx) => appendAudit(trx, actor, { action: 'thing.changed', tenantId, after: { i } }));

const chainRows = async (db: Db, chainId: string): Promise<AuditRow[]> =>
  ((await db('audit_log').where({ chain_id: chainId }).orderBy('seq')) as AuditRow[]).map((r) => ({
    ...r,
    id: Number(r.id),
    seq: Number(r.seq),
  }));

/**
 * Rewrites a chain from its first entry on, as an insider with database access would after editing it:
 * each entry's prev_hash and hash recomputed with `hashOf`, and the head moved to the new last hash.
 */
async function rechain(db: Db, chainId: string, hashOf: (r: Omit<AuditRow, 'id' | 'hash'>) => string): Promise<void> {
  let prev = '0'.repeat(64);
  for (const r of await chainRows(db, chainId)) {
    const { id, hash: _old, ...content } = { ...r, prev_hash: prev };
    const hash = hashOf(content);
    await db('audit_log').where({ id }).update({ prev_hash: prev, hash });
    prev = hash;
  }
  await db('audit_chains').where({ chain_id: chainId }).update({ last_hash: prev });
}

/** Only Date is faked: knex, pg and jest keep their real timers. */
const atTime = (iso: string) =>
  jest.useFakeTimers({
    now: new Date(iso),
    doNotFake: [
      'nextTick',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });

describe(`audit chains (${testConfig().db.client})`, () => {
  afterEach(() => jest.useRealTimers());

  it('gives each tenant and the platform a chain of its own, keyed, with the actor by id and label', async () => {
    const { db, drop } = await scratchDb();
    try {
      const [a, b] = [randomUUID(), randomUUID()];
      await append(db, a, 1, staff);
      await append(db, b, 1);
      await append(db, a, 2);
      await append(db, null, 1);
      const heads = await db('audit_chains').orderBy('chain_id');
      expect(heads.map((h) => [h.chain_id, Number(h.last_seq)]).sort()).toEqual(
        [
          [PLATFORM_CHAIN, 1],
          [a, 2],
          [b, 1],
        ].sort(),
      );
      const first = (await chainRows(db, a))[0]!;
      expect(first).toMatchObject({
        seq: 1,
        actor_id: 'ann@acme.test',
        actor_ref: staff.id,
        actor_type: 'staff',
        key_id: testConfig().audit.keys[0]!.id,
      });
      // the hash is the HMAC under the audit key, not a plain SHA-256 of the content
      const { id: _id, hash, ...content } = first;
      expect(hash).toBe(entryMac(auditSettingsOf(db).keys[0]!.key, content));
      expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 4, problems: [] });
    } finally {
      await drop();
    }
  });

  it('finds an edited entry, a deleted one and a cut tail', async () => {
    const { db, drop } = await scratchDb();
    try {
      const t = randomUUID();
      for (let i = 1; i <= 5; i++) await append(db, t, i);
      const rows = await chainRows(db, t);
      await db('audit_log').where({ id: rows[1]!.id }).update({ after: '{"i":42}' });
      let v = await verifyAuditChain(db);
      expect(v.problems).toEqual([{ id: rows[1]!.id, problem: expect.stringMatching(/edited/) }]);

      await db('audit_log').where({ id: rows[1]!.id }).delete();
      v = await verifyAuditChain(db);
      expect(v.problems).toEqual([
        { id: rows[2]!.id, problem: expect.stringMatching(/entries 2\.\.2 .* missing/) },
        { id: rows[2]!.id, problem: expect.stringMatching(/does not follow/) },
      ]);

      await db('audit_log').where({ id: rows[4]!.id }).delete();
      v = await verifyAuditChain(db);
      expect(v.problems.at(-1)?.problem).toMatch(/removed at the end/);
    } finally {
      await drop();
    }
  });

  it('finds a log edited and re-chained with plain SHA-256 (the key is not in the database)', async () => {
    const { db, drop } = await scratchDb();
    try {
      const t = randomUUID();
      for (let i = 1; i <= 3; i++) await append(db, t, i);
      const rows = await chainRows(db, t);
      await db('audit_log').where({ id: rows[0]!.id }).update({ after: '{"i":0}' });
      await rechain(db, t, (r) =>
        createHash('sha256')
          .update(r.prev_hash)
          .update(canonicalJson(Object.values(r)))
          .digest('hex'),
      );
      const v = await verifyAuditChain(db);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual(rows.map((r) => ({ id: r.id, problem: expect.stringMatching(/keyed hash .*without the key/) })));
    } finally {
      await drop();
    }
  });

  it('anchors each day’s head in the heads file, and finds a log re-chained with the key through it', async () => {
    const { db, drop } = await scratchDb();
    try {
      const { headsFile, keys } = auditSettingsOf(db);
      const [t, quiet] = [randomUUID(), randomUUID()];
      atTime('2026-03-01T10:00:00Z');
      for (let i = 1; i <= 3; i++) await append(db, t, i);
      await append(db, quiet, 1);
      expect(fs.existsSync(headsFile)).toBe(false);
      atTime('2026-03-02T09:00:00Z');
      // the first entry of a new day anchors the chain's last head of the day before
      await append(db, t, 4);
      await append(db, t, 5);
      const rows = await chainRows(db, t);
      expect(fs.readFileSync(headsFile, 'utf8')).toBe(`2026-03-01 ${t} 3 ${rows[2]!.id} ${rows[2]!.hash}\n`);
      expect(fs.statSync(headsFile).mode & 0o777).toBe(0o600);
      // the scheduled job anchors a chain that had no entry since
      expect(await anchorAuditHeads(db, new Date('2026-03-02T10:00:00Z'))).toBe(1);
      expect(await anchorAuditHeads(db, new Date('2026-03-02T11:00:00Z'))).toBe(0);
      const quietRow = (await chainRows(db, quiet))[0]!;
      expect(fs.readFileSync(headsFile, 'utf8').split('\n')[1]).toBe(`2026-03-01 ${quiet} 1 ${quietRow.id} ${quietRow.hash}`);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 6, problems: [] });

      // an insider who has the key edits yesterday's second entry and re-chains: every hash is valid again,
      // but the head anchored for 2026-03-01 no longer matches
      await db('audit_log').where({ id: rows[1]!.id }).update({ after: '{"i":0}' });
      await rechain(db, t, (r) => entryMac(keys[0]!.key, r));
      let v = await verifyAuditChain(db);
      expect(v.problems).toEqual([{ id: rows[2]!.id, problem: expect.stringMatching(/anchored for 2026-03-01 .*rewritten/) }]);

      // removing the quiet tenant's whole chain, head and all, is found through its anchor
      await db('audit_log').where({ chain_id: quiet }).delete();
      await db('audit_chains').where({ chain_id: quiet }).delete();
      v = await verifyAuditChain(db);
      expect(v.problems).toContainEqual({ id: quietRow.id, problem: expect.stringMatching(/anchored .* no head .*chain removed/) });
    } finally {
      await drop();
    }
  });

  it('locks only the appending tenant’s chain: two tenants append at once, the same tenant waits', async () => {
    const { db, drop } = await scratchDb();
    try {
      const [a, b] = [randomUUID(), randomUUID()];
      await append(db, a, 0);
      await append(db, b, 0);
      if (!isPostgres(db)) {
        // SQLite has one writer (and the handle one connection): the chains still keep apart
        await Promise.all([append(db, a, 1), append(db, b, 1)]);
        expect((await db('audit_chains').whereIn('chain_id', [a, b])).map((h) => Number(h.last_seq))).toEqual([2, 2]);
        return;
      }
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let appendedA!: () => void;
      const aAppended = new Promise<void>((r) => (appendedA = r));
      // tenant A's transaction appends and stays open, holding A's head
      const first = db.transaction(async (trx) => {
        await appendAudit(trx, systemActor('test'), { action: 'thing.changed', tenantId: a });
        appendedA();
        await held;
      });
      await aAppended;
      // another tenant does not wait for A (with one head for every tenant it would wait until A commits)
      const other = append(db, b, 1);
      const waited = await Promise.race([other.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5000))]);
      if (waited) {
        release();
        await Promise.all([first, other]);
      }
      expect(waited).toBe(false);
      let sameDone = false;
      const same = append(db, a, 2).then(() => (sameDone = true)); // the same tenant waits for A's commit
      await new Promise((r) => setTimeout(r, 300));
      expect(sameDone).toBe(false);
      release();
      await first;
      await same;
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 5 });
    } finally {
      await drop();
    }
  });

  it('keeps entries written before the chains as a legacy prefix verified the old way', async () => {
    const { db, drop } = await scratchDb({ migrate: false });
    try {
      const before = {
        ...migrationSource,
        getMigrations: async () => (await migrationSource.getMigrations([])).filter((n) => n < '20261203160000'),
      };
      await db.migrate.latest({ migrationSource: before });
      // three entries as the code before the chains wrote them: ids from audit_head, plain SHA-256 in id order
      let prev = '0'.repeat(64);
      for (let id = 1; id <= 3; id++) {
        const row = {
          id,
          at: new Date().toISOString(),
          actor_type: 'cli',
          actor_id: 'cli:root',
          actor_role: 'operator',
          tenant_id: null,
          action: 'thing.changed',
          target_type: null,
          target_id: null,
          before: null,
          after: `{"i":${id}}`,
          ip: null,
        };
        const hash = createHash('sha256')
          .update(prev)
          .update(canonicalJson(Object.values(row)))
          .digest('hex');
        await db('audit_log').insert({ ...row, prev_hash: prev, hash });
        await db('audit_head').where({ id: 1 }).update({ last_id: id, last_hash: hash });
        prev = hash;
      }
      await migrateLatest(db);
      await append(db, null, 4);
      const platform = await chainRows(db, PLATFORM_CHAIN);
      expect(platform).toMatchObject([{ id: 4, seq: 1 }]); // ids continue after the legacy ones (PostgreSQL's sequence too)
      expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 4, problems: [] });
      await db('audit_log').where({ id: 2 }).update({ after: '{"i":0}' });
      await db('audit_log').insert({ ...platform[0], id: 99, chain_id: null, seq: null });
      const v = await verifyAuditChain(db);
      expect(v.problems).toEqual([
        { id: 2, problem: expect.stringMatching(/edited/) },
        { id: 99, problem: expect.stringMatching(/no chain/) },
      ]);
    } finally {
      await drop();
    }
  });
});
