import type { Db } from '../../platform/db';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { api, createToken, startApi } from './support';

/** The quotas API's rules: refusals with numbers, roles, tenant scoping, idempotency, reads. */
const MiB = 1024 ** 2;

describe(`quotas API (${testConfig().db.client})`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startApi>>;
  let operator: string;
  beforeAll(async () => {
    db = testDb();
    server = await startApi();
    operator = await createToken(db, 'operator', null);
  });
  afterAll(async () => {
    await server.close();
    await db.destroy();
  });

  async function setup() {
    const tenant = await createTestTenant(db, { poolBytes: 10 * MiB });
    const a = await createTestAccount(db, { tenant, quotaBytes: 4 * MiB });
    const b = await createTestAccount(db, { tenant, quotaBytes: 4 * MiB });
    const admin = await createToken(db, 'tenant_admin', tenant.tenantId);
    return { tenant, a, b, admin, base: `/tenants/${tenant.tenantId}/quota` };
  }

  it('refuses to exceed the pool, naming the free space, and changes nothing', async () => {
    const { a, b, admin, base } = await setup();
    const r = await api(server.url, admin, 'POST', `${base}/reassignments`, {
      changes: [
        { accountId: a.accountId, allocationBytes: 7 * MiB },
        { accountId: b.accountId, allocationBytes: 3 * MiB + 1 },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({
      code: 'pool_exceeded',
      details: { poolBytes: 10 * MiB, allocatedBytes: 8 * MiB, freeBytes: 2 * MiB, requestedIncreaseBytes: 2 * MiB + 1 },
    });
    expect(r.body.error.message).toMatch(/only 2 MiB of 10 MiB are free/);
    expect(
      (await db('accounts').whereIn('id', [a.accountId, b.accountId]).orderBy('allocation_bytes')).map((x) => Number(x.allocation_bytes)),
    ).toEqual([4 * MiB, 4 * MiB]);

    // Moving space from one account to another fits exactly.
    const move = await api(server.url, admin, 'POST', `${base}/reassignments`, {
      changes: [
        { accountId: a.accountId, allocationBytes: 7 * MiB },
        { accountId: b.accountId, allocationBytes: 3 * MiB },
      ],
    });
    expect(move.status).toBe(200);
    expect(move.body).toMatchObject({ changed: true, pool: { allocatedBytes: 10 * MiB, freeBytes: 0 } });
    expect(move.body.changes).toEqual([
      expect.objectContaining({ accountId: a.accountId, beforeBytes: 4 * MiB, afterBytes: 7 * MiB }),
      expect.objectContaining({ accountId: b.accountId, beforeBytes: 4 * MiB, afterBytes: 3 * MiB }),
    ]);
  });

  it('has no unlimited allocation and validates strictly', async () => {
    const { a, admin, base } = await setup();
    for (const allocationBytes of [0, -1, 1.5, 2 ** 60]) {
      const r = await api(server.url, admin, 'POST', `${base}/reassignments`, { changes: [{ accountId: a.accountId, allocationBytes }] });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect(
      (
        await api(server.url, admin, 'POST', `${base}/reassignments`, {
          changes: [{ accountId: a.accountId, allocationBytes: 1, unlimited: true }],
        })
      ).status,
    ).toBe(400);
    expect((await api(server.url, admin, 'POST', `${base}/reassignments`, { changes: [] })).status).toBe(400);
    const twice = await api(server.url, admin, 'POST', `${base}/reassignments`, {
      changes: [
        { accountId: a.accountId, allocationBytes: 1 },
        { accountId: a.accountId, allocationBytes: 2 },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toMatch(/named twice/);
  });

  it('keeps tenants apart and roles in their lanes', async () => {
    const one = await setup();
    const two = await setup();
    // another tenant's pool, or another tenant's account in my request: 404 like a missing one
    expect((await api(server.url, one.admin, 'GET', two.base)).status).toBe(404);
    const foreign = await api(server.url, one.admin, 'POST', `${one.base}/reassignments`, {
      changes: [{ accountId: two.a.accountId, allocationBytes: MiB }],
    });
    expect(foreign.status).toBe(404);
    // tenant admins may not force below usage, nor change the pool
    expect(
      (
        await api(server.url, one.admin, 'POST', `${one.base}/reassignments`, {
          changes: [{ accountId: one.a.accountId, allocationBytes: MiB }],
          force: true,
        })
      ).status,
    ).toBe(403);
    expect((await api(server.url, one.admin, 'PUT', `${one.base}/pool`, { poolBytes: 20 * MiB })).status).toBe(403);
    // support staff may look (and is audited for it) but not change
    const support = await createToken(db, 'support', null);
    expect((await api(server.url, support, 'GET', one.base)).status).toBe(200);
    expect(
      (
        await api(server.url, support, 'POST', `${one.base}/reassignments`, {
          changes: [{ accountId: one.a.accountId, allocationBytes: MiB }],
        })
      ).status,
    ).toBe(403);
    expect((await api(server.url, 'pwk_nonsense', 'GET', one.base)).status).toBe(401);
  });

  it('lets operators change the pool, never below the allocated sum', async () => {
    const { tenant, base } = await setup();
    const down = await api(server.url, operator, 'PUT', `${base}/pool`, { poolBytes: 7 * MiB });
    expect(down.status).toBe(422);
    expect(down.body.error).toMatchObject({ code: 'pool_exceeded', details: { allocatedBytes: 8 * MiB, requestedPoolBytes: 7 * MiB } });
    expect(down.body.error.message).toMatch(/have 8 MiB allocated/);
    const ok = await api(server.url, operator, 'PUT', `${base}/pool`, { poolBytes: 8 * MiB, defaultAllocationBytes: MiB });
    expect(ok.body).toEqual({
      pool: { tenantId: tenant.tenantId, poolBytes: 8 * MiB, allocatedBytes: 8 * MiB, freeBytes: 0 },
      defaultAllocationBytes: MiB,
      changed: true,
    });
    const up = await api(server.url, operator, 'PUT', `${base}/pool`, { poolBytes: 20 * MiB });
    expect(up.body.pool.freeBytes).toBe(12 * MiB);
    expect((await api(server.url, operator, 'PUT', `${base}/pool`, { poolBytes: 20 * MiB, defaultAllocationBytes: 21 * MiB })).status).toBe(
      400,
    );
    const audit = await db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.pool.changed' }).orderBy('id');
    expect(audit.map((e) => JSON.parse(e.after).poolBytes)).toEqual([8 * MiB, 20 * MiB]);
  });

  it('is idempotent: a retried request with its key replays the answer, the same values change nothing', async () => {
    const { tenant, a, admin, base } = await setup();
    const body = { changes: [{ accountId: a.accountId, allocationBytes: 5 * MiB }] };
    const first = await api(server.url, admin, 'POST', `${base}/reassignments`, body, { 'idempotency-key': 'reassign-1' });
    const replay = await fetch(`${server.url}${base}/reassignments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'idempotency-key': 'reassign-1' },
      body: JSON.stringify(body),
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(first.body);
    const again = await api(server.url, admin, 'POST', `${base}/reassignments`, body);
    expect(again.body).toMatchObject({ changed: false, auditId: null });
    expect(await db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.reassigned' })).toHaveLength(1);
  });

  it('reports pool, allocations, usage history and forecasts', async () => {
    const { tenant, a, b, admin, base } = await setup();
    // Two days of history growing 1 MiB a day for a, flat for b.
    const t0 = Date.now() - 2 * 86_400_000;
    const rows = [];
    for (let h = 0; h <= 48; h += 6) {
      const at = new Date(t0 + h * 3_600_000).toISOString();
      rows.push({ account_id: a.accountId, tenant_id: tenant.tenantId, at, used_bytes: Math.round((h / 24) * MiB), used_messages: h });
      rows.push({ account_id: b.accountId, tenant_id: tenant.tenantId, at, used_bytes: MiB, used_messages: 1 });
    }
    await db('quota_usage_samples').insert(rows);
    const last = rows.at(-1)!.at;
    await db('quota_usage').insert([
      { account_id: a.accountId, tenant_id: tenant.tenantId, used_bytes: 2 * MiB, used_messages: 48, collected_at: last, warning_level: 0 },
      { account_id: b.accountId, tenant_id: tenant.tenantId, used_bytes: MiB, used_messages: 1, collected_at: last, warning_level: 0 },
    ]);

    const pool = await api(server.url, admin, 'GET', base);
    expect(pool.body).toMatchObject({
      poolBytes: 10 * MiB,
      allocatedBytes: 8 * MiB,
      freeBytes: 2 * MiB,
      usedBytes: 3 * MiB,
      usedMessages: 49,
      accounts: 2,
      collectedAt: last,
    });
    // the pool grows 1 MiB a day from 3 MiB: 7 days to 10 MiB
    expect(pool.body.forecast.bytesPerDay).toBeCloseTo(MiB, -2);
    expect(Math.abs(Date.parse(pool.body.forecast.fullAt) - (Date.parse(last) + 7 * 86_400_000))).toBeLessThan(60_000);

    const forecast = await api(server.url, admin, 'GET', `${base}/forecast`);
    const fa = forecast.body.accounts.find((x: { accountId: string }) => x.accountId === a.accountId);
    const fb = forecast.body.accounts.find((x: { accountId: string }) => x.accountId === b.accountId);
    // a: 2 MiB used of 4 MiB at 1 MiB a day: full 2 days after the last sample; b is flat: no date
    expect(Math.abs(Date.parse(fa.fullAt) - (Date.parse(last) + 2 * 86_400_000))).toBeLessThan(60_000);
    expect(fb).toMatchObject({ fullAt: null, bytesPerDay: 0 });

    const page1 = await api(server.url, admin, 'GET', `${base}/accounts?limit=1`);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).toBeTruthy();
    const page2 = await api(server.url, admin, 'GET', `${base}/accounts?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.nextCursor).toBeNull();
    const all = [...page1.body.items, ...page2.body.items];
    expect(all.find((x) => x.accountId === a.accountId)).toMatchObject({ allocationBytes: 4 * MiB, usedBytes: 2 * MiB, percent: 50 });

    const history = await api(server.url, admin, 'GET', `${base}/accounts/${a.accountId}/usage?limit=5`);
    expect(history.body.items).toHaveLength(5);
    expect(history.body.items[0]).toEqual({ at: rows[0]!.at, usedBytes: 0, usedMessages: 0 });
    const rest = await api(server.url, admin, 'GET', `${base}/accounts/${a.accountId}/usage?limit=5&cursor=${history.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(4);
    expect(rest.body.items.at(-1).usedBytes).toBe(2 * MiB);
    const since = await api(server.url, admin, 'GET', `${base}/accounts/${a.accountId}/usage?since=${encodeURIComponent(rows[16]!.at)}`);
    expect(since.body.items).toHaveLength(1);
  });
});
