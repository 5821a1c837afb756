import { withActor } from '../../platform/context';
import { cliActor } from '../../platform/actor';
import { createApiApp } from '../../control-plane/api/app';
import { createTenant } from '../../tenancy/use-cases/create-tenant';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { createAccount } from '../../quotas/use-cases/create-account';
import { scratchDb } from '../support/scratch-db';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/** The audit log through the API: every accepted change recorded, scoped reading, exports, verification. */
let h: Harness;
let tenantId: string;
let otherTenantId: string;
let domain: string;
let admin: string;
let otherAdmin: string;
let operator: string;

beforeAll(async () => {
  h = startHarness();
  const own = await makeTenant(h.operator);
  const other = await makeTenant(h.operator);
  tenantId = own.tenant.id;
  otherTenantId = other.tenant.id;
  domain = own.domain.name;
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
  otherAdmin = await tokenFor(h.operator, 'tenant_admin', otherTenantId);
  operator = await tokenFor(h.operator, 'operator');
});
afterAll(() => h.close());

type Entry = {
  id: number;
  action: string;
  actor: { type: string; id: string; role: string };
  tenantId: string;
  target: { type: string; id: string } | null;
  before: unknown;
  after: unknown;
};

async function entries(token: string, query: Record<string, string>): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | undefined;
  do {
    const res = await api(h.app)
      .get('/api/v1/audit')
      .query({ ...query, limit: 200, ...(cursor ? { cursor } : {}) })
      .set(auth(token));
    expect(res.status).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe(`audit log (${testConfig().db.client})`, () => {
  it('records every accepted change with actor, tenant, target and before/after, and no secret', async () => {
    const start = new Date().toISOString();
    const base = `/api/v1/tenants/${tenantId}`;
    const password = strongPassword();
    const acc = (
      await api(h.app)
        .post(`${base}/accounts`)
        .set(auth(admin))
        .send({ address: `${uniq('au')}@${domain}`, password, allocationBytes: 1024 })
        .expect(201)
    ).body;
    await api(h.app).patch(`${base}/accounts/${acc.id}`).set(auth(admin)).send({ displayName: 'Audited Person' }).expect(200);
    await api(h.app).post(`${base}/accounts/${acc.id}/suspend`).set(auth(admin)).expect(200);
    await api(h.app).post(`${base}/accounts/${acc.id}/resume`).set(auth(admin)).expect(200);
    const newPassword = strongPassword();
    await api(h.app).post(`${base}/accounts/${acc.id}/password`).set(auth(admin)).send({ password: newPassword }).expect(200);
    const alias = (
      await api(h.app)
        .post(`${base}/aliases`)
        .set(auth(admin))
        .send({ address: `${uniq('aual')}@${domain}`, accountId: acc.id })
        .expect(201)
    ).body;
    await api(h.app).delete(`${base}/aliases/${alias.id}`).set(auth(admin)).expect(204);
    await api(h.app).delete(`${base}/accounts/${acc.id}`).set(auth(admin)).expect(202);
    await api(h.app).post(`${base}/accounts/${acc.id}/restore`).set(auth(admin)).expect(200);
    // a refused change leaves no entry
    await api(h.app).post(`${base}/accounts`).set(auth(admin)).send({ address: acc.address, password }).expect(409);

    const log = await entries(operator, { tenantId, from: start });
    const mine = log.filter((e) => e.target?.id === acc.id || e.target?.id === alias.id);
    expect(mine.map((e) => e.action)).toEqual([
      'account.created',
      'account.updated',
      'account.suspended',
      'account.resumed',
      'account.password_changed',
      'alias.created',
      'alias.deleted',
      'account.deleted',
      'account.restored',
    ]);
    for (const e of mine) {
      // by label (as the log names it) and by id (the token's)
      expect(e.actor).toEqual({
        type: 'token',
        id: expect.stringMatching(/^token:tenant_admin-/),
        ref: expect.stringMatching(/^[0-9a-f-]{36}$/),
        role: 'tenant_admin',
      });
      expect(e.tenantId).toBe(tenantId);
    }
    expect((mine[1]!.before as { displayName: string }).displayName).toBe('');
    expect((mine[1]!.after as { displayName: string }).displayName).toBe('Audited Person');
    const text = JSON.stringify(log);
    expect(text).not.toContain(password);
    expect(text).not.toContain(newPassword);
    expect(text).not.toMatch(/BLF-CRYPT|password_hash|passwordHash/);

    // filters: actor, action prefix, time range
    const suspended = await entries(operator, { tenantId, action: 'account.suspended', from: start });
    expect(suspended.map((e) => e.target?.id)).toEqual([acc.id]);
    const accountActions = await entries(operator, { tenantId, action: 'alias.', from: start });
    expect(accountActions.map((e) => e.action)).toEqual(['alias.created', 'alias.deleted']);
    const byActor = await entries(operator, { actor: mine[0]!.actor.id, from: start });
    expect(byActor.length).toBeGreaterThanOrEqual(mine.length);
    expect(await entries(operator, { tenantId, to: start })).not.toContainEqual(
      expect.objectContaining({ target: { type: 'account', id: acc.id } }),
    );
  });

  it("shows a tenant admin only its own tenant's entries, whatever it asks for", async () => {
    await api(h.app)
      .post(`/api/v1/tenants/${otherTenantId}/domains`)
      .set(auth(otherAdmin))
      .send({ name: `${uniq('x')}.test` })
      .expect(201);
    const asked = await entries(admin, { tenantId: otherTenantId });
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((e) => e.tenantId === tenantId)).toBe(true);
    const exported = await api(h.app).get('/api/v1/audit/export').query({ tenantId: otherTenantId }).set(auth(admin));
    expect(exported.status).toBe(200);
    for (const line of exported.text.trim().split('\n')) expect(JSON.parse(line).tenantId).toBe(tenantId);
    expect((await api(h.app).get('/api/v1/audit/verify').set(auth(admin))).status).toBe(403);
  });

  it("filters by target: one account's audit trail", async () => {
    const mk = (local: string) =>
      api(h.app)
        .post(`/api/v1/tenants/${tenantId}/accounts`)
        .set(auth(admin))
        .send({ address: `${local}-${uniq('t')}@${domain}`, password: strongPassword() })
        .expect(201);
    const a = (await mk('trail')).body;
    await mk('other');
    await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/${a.id}/suspend`).set(auth(admin)).expect(200);
    const trail = await entries(admin, { targetId: a.id });
    expect(trail.map((e) => e.action).sort()).toEqual(['account.created', 'account.suspended']);
    expect(trail.every((e) => e.target?.id === a.id)).toBe(true);
  });

  it("audits support's reads of the audit log, its export and the tenant list, like its reads of a tenant", async () => {
    const support = await tokenFor(h.operator, 'support');
    const since = new Date(Date.now() - 1000).toISOString();
    await api(h.app).get('/api/v1/audit').query({ tenantId }).set(auth(support)).expect(200);
    await api(h.app).get('/api/v1/audit/export').set(auth(support)).expect(200);
    await api(h.app).get('/api/v1/tenants').set(auth(support)).expect(200);
    // an operator's reads are not support's: not audited as such
    await api(h.app).get('/api/v1/tenants').set(auth(operator)).expect(200);
    const rows = await h.services.db('audit_log').where({ action: 'support.viewed' }).andWhere('at', '>=', since).orderBy('id');
    const targets = rows.map((r: { target_id: string }) => r.target_id.replace(/^GET (\/api\/v1)?/, ''));
    expect(targets).toEqual(['/audit', '/audit/export', '/tenants']);
    expect(rows.every((r: { actor_role: string }) => r.actor_role === 'support')).toBe(true);
    expect(rows[0]).toMatchObject({ tenant_id: tenantId });
    expect(JSON.parse(rows[0].after)).toMatchObject({ query: { tenantId } });
  });

  it('exports NDJSON and CSV', async () => {
    const nd = await api(h.app).get('/api/v1/audit/export').query({ tenantId }).set(auth(operator));
    expect(nd.status).toBe(200);
    expect(nd.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(3);
    expect(lines[0]).toMatchObject({ tenantId, action: 'tenant.created' });
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((a, b) => a - b));

    const csv = await api(h.app)
      .get('/api/v1/audit/export')
      .query({ tenantId, format: 'csv' })
      .set(auth(operator))
      .buffer(true)
      .parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => cb(null, data));
      });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const rows = (csv.body as string).trim().split('\r\n');
    expect(rows[0]).toBe(
      'id,at,actor_type,actor_id,actor_role,tenant_id,action,target_type,target_id,before,after,ip,prev_hash,hash,chain_id,seq,actor_ref,key_id',
    );
    expect(rows.length).toBe(lines.length + 1);
  });

  it('verifies the chain, and finds an edited or deleted entry (scratch database)', async () => {
    const { db, drop } = await scratchDb();
    try {
      const services = { ...h.services, db };
      const app = createApiApp(services);
      const ctx = withActor(services, cliActor());
      const t = await createTenant(ctx, { slug: 'acme', name: 'Acme', poolBytes: 1024 ** 3, defaultAllocationBytes: 1024 });
      await createDomain(ctx, t.id, { name: 'acme.test' });
      await createAccount(ctx, t.id, { address: 'ann@acme.test', password: strongPassword() });
      await createAccount(ctx, t.id, { address: 'bob@acme.test', password: strongPassword() });
      const { createApiToken } = await import('../../tenancy/use-cases/create-api-token');
      const { secret } = await createApiToken(ctx, { name: 'ops', role: 'operator' });

      const ok = await api(app).get('/api/v1/audit/verify').set(auth(secret));
      expect(ok.body).toEqual({ ok: true, checked: 5, problems: [] });

      await db('audit_log').where({ id: 3 }).update({ after: '{"address":"mallory@acme.test"}' });
      const edited = await api(app).get('/api/v1/audit/verify').set(auth(secret));
      expect(edited.body.ok).toBe(false);
      expect(edited.body.problems).toEqual([{ id: 3, problem: expect.stringMatching(/edited/) }]);

      await db('audit_log').where({ id: 2 }).delete();
      const deleted = await api(app).get('/api/v1/audit/verify').set(auth(secret));
      // entries 1-4 are on the tenant's chain: the gap and the broken link show at the entry after the deleted one
      expect(deleted.body.problems.map((p: { id: number }) => p.id)).toEqual(expect.arrayContaining([3]));
      expect(deleted.body.problems).toContainEqual({ id: 3, problem: expect.stringMatching(/missing/) });
    } finally {
      await drop();
    }
  });
});
