import { randomUUID } from 'node:crypto';
import type { Role } from '../../platform/actor';
import { migrationNames, migrationSource } from '../../platform/db/migrations';
import { TOKEN_DEFAULT_EXPIRY_DAYS } from '../../tenancy/limits';
import { createApiToken } from '../../tenancy/use-cases/create-api-token';
import { scratchDb } from '../support/scratch-db';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, signedInStaff, startHarness, tokenFor, type Harness } from './harness';

/**
 * Issue 12, item 6 ("access that outlives its reason"), against the real database: tokens belong to the
 * staff user who made them, expire, and a suspended tenant's staff and tokens are refused.
 */
let h: Harness;
let operator: string;
let tenantId: string;

beforeAll(async () => {
  h = startHarness();
  operator = await tokenFor(h.operator, 'operator');
  tenantId = (await makeTenant(h.operator)).tenant.id;
});
afterAll(() => h.close());

const DAY_MS = 24 * 3600 * 1000;

/** A staff user signed in through the API: their id, e-mail address, password and session cookie. */
const signedIn = (role: Role, tenant: string | null, email = `${uniq('tok')}@staff.test`.toLowerCase()) =>
  signedInStaff(h, { role, tenantId: tenant, email, actor: 'tokens-test' });

async function createTokenWithSession(cookie: string, body: Record<string, unknown>) {
  return api(h.app).post('/api/v1/tokens').set('Cookie', cookie).send(body);
}

const me = (token: string) => api(h.app).get('/api/v1/auth/me').set(auth(token));
const outcome = (res: { status: number; body: { error?: { code?: string } } }) => ({ status: res.status, code: res.body.error?.code });

describe(`API tokens: owner, expiry, suspended tenants (${testConfig().db.client})`, () => {
  it('a token belongs to the staff user who made it; disabling them revokes it at once, and the audit entry says so', async () => {
    const admin = await signedIn('tenant_admin', tenantId);
    const made = await createTokenWithSession(admin.cookie, { name: 'ci', role: 'tenant_admin', tenantId });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatchObject({ createdBy: admin.id, createdByLabel: admin.email });
    // a token made with that token belongs to the same staff user
    const child = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(made.body.secret))
      .send({ name: 'child', role: 'tenant_admin', tenantId });
    expect(child.status).toBe(201);
    expect(child.body.token).toMatchObject({ createdBy: admin.id, createdByLabel: 'token:ci' });
    expect((await me(made.body.secret)).status).toBe(200);

    const disabled = await api(h.app).post(`/api/v1/staff/${admin.id}/disable`).set(auth(operator));
    expect(disabled.status).toBe(200);
    expect(outcome(await me(made.body.secret))).toEqual({ status: 401, code: 'unauthenticated' });
    expect(outcome(await me(child.body.secret))).toEqual({ status: 401, code: 'unauthenticated' });

    const listed = await api(h.app).get('/api/v1/tokens').query({ tenantId, includeRevoked: 'true', limit: 200 }).set(auth(operator));
    const mine = listed.body.items.filter((t: { createdBy: string }) => t.createdBy === admin.id);
    expect(mine).toHaveLength(2);
    for (const t of mine) expect(t.revokedAt).not.toBeNull();

    const audit = await api(h.app).get('/api/v1/audit').query({ action: 'staff.disabled', targetId: admin.id }).set(auth(operator));
    expect(audit.body.items).toHaveLength(1);
    const entry = audit.body.items[0];
    expect(entry.after.revokedTokenIds.sort()).toEqual([made.body.token.id, child.body.token.id].sort());
  });

  it('a token whose owner was deleted stops working', async () => {
    const admin = await signedIn('tenant_admin', tenantId);
    const made = await createTokenWithSession(admin.cookie, { name: 'orphan', role: 'tenant_admin', tenantId });
    expect((await me(made.body.secret)).status).toBe(200);
    await h.services.db('staff_users').where({ id: admin.id }).delete();
    expect(outcome(await me(made.body.secret))).toEqual({ status: 401, code: 'unauthenticated' });
  });

  it('expires after 90 days by default; an expired token answers 401 token_expired', async () => {
    const res = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(operator))
      .send({ name: uniq('exp'), role: 'tenant_admin', tenantId });
    expect(res.status).toBe(201);
    const expiresIn = Date.parse(res.body.token.expiresAt) - Date.now();
    expect(Math.abs(expiresIn - TOKEN_DEFAULT_EXPIRY_DAYS * DAY_MS)).toBeLessThan(3600_000);
    expect((await me(res.body.secret)).status).toBe(200);
    // 90 days later (the clock of the row, not of the test)
    await h.services
      .db('api_tokens')
      .where({ id: res.body.token.id })
      .update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const expired = await me(res.body.secret);
    expect(outcome(expired)).toEqual({ status: 401, code: 'token_expired' });
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it('"never" is an operator\'s choice: a tenant admin gets 403, an operator a token without expiry', async () => {
    const admin = await signedIn('tenant_admin', tenantId);
    const refused = await createTokenWithSession(admin.cookie, { name: 'forever', role: 'tenant_admin', tenantId, expiresInDays: 'never' });
    expect(outcome(refused)).toEqual({ status: 403, code: 'forbidden' });
    const adminToken = (await createTokenWithSession(admin.cookie, { name: 'short', role: 'tenant_admin', tenantId, expiresInDays: 7 }))
      .body;
    expect(Math.abs(Date.parse(adminToken.token.expiresAt) - Date.now() - 7 * DAY_MS)).toBeLessThan(3600_000);
    const byToken = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(adminToken.secret))
      .send({ name: 'forever', role: 'tenant_admin', tenantId, expiresInDays: 'never' });
    expect(outcome(byToken)).toEqual({ status: 403, code: 'forbidden' });

    // (an operator's token that never expires itself: one that does cannot make one that does not)
    const foreverOperator = (await createApiToken(h.operator, { name: uniq('op'), role: 'operator', expiresInDays: 'never' })).secret;
    const ok = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(foreverOperator))
      .send({ name: 'forever', role: 'tenant_admin', tenantId, expiresInDays: 'never' });
    expect(ok.status).toBe(201);
    expect(ok.body.token.expiresAt).toBeNull();
    const bad = await api(h.app).post('/api/v1/tokens').set(auth(operator)).send({ name: 'x', role: 'operator', expiresInDays: 'soon' });
    expect(outcome(bad)).toEqual({ status: 400, code: 'validation_failed' });
  });

  it("a token made by a token never outlives it: the default stops at the parent's end, a longer ask is refused", async () => {
    const parent = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(operator))
      .send({ name: uniq('parent'), role: 'tenant_admin', tenantId, expiresInDays: 5 });
    expect(parent.status).toBe(201);
    const child = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(parent.body.secret))
      .send({ name: uniq('child'), role: 'tenant_admin', tenantId });
    expect(child.status).toBe(201);
    expect(child.body.token.expiresAt).toBe(parent.body.token.expiresAt);
    const shorter = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(parent.body.secret))
      .send({ name: uniq('child'), role: 'tenant_admin', tenantId, expiresInDays: 2 });
    expect(Math.abs(Date.parse(shorter.body.token.expiresAt) - Date.now() - 2 * DAY_MS)).toBeLessThan(3600_000);
    const longer = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(parent.body.secret))
      .send({ name: uniq('child'), role: 'tenant_admin', tenantId, expiresInDays: 30 });
    expect(outcome(longer)).toEqual({ status: 400, code: 'validation_failed' });
    expect(longer.body.error.message).toContain(`expires at ${parent.body.token.expiresAt}`);
    // an operator's token with an end cannot make one without
    const never = await api(h.app)
      .post('/api/v1/tokens')
      .set(auth(operator))
      .send({ name: uniq('never'), role: 'operator', expiresInDays: 'never' });
    expect(outcome(never)).toEqual({ status: 400, code: 'validation_failed' });
  });

  it("a suspended tenant's staff session, token and sign-in get 403 tenant_suspended, until it is resumed", async () => {
    const other = (await makeTenant(h.operator)).tenant.id;
    const admin = await signedIn('tenant_admin', other);
    const token = (await createTokenWithSession(admin.cookie, { name: 'ci', role: 'tenant_admin', tenantId: other })).body.secret as string;
    const operatorMade = await tokenFor(h.operator, 'tenant_admin', other);
    expect((await api(h.app).post(`/api/v1/tenants/${other}/suspend`).set(auth(operator))).status).toBe(200);

    const suspended = { status: 403, code: 'tenant_suspended' };
    expect(outcome(await api(h.app).get('/api/v1/auth/me').set('Cookie', admin.cookie))).toEqual(suspended);
    expect(outcome(await api(h.app).get(`/api/v1/tenants/${other}/accounts`).set('Cookie', admin.cookie))).toEqual(suspended);
    expect(outcome(await me(token))).toEqual(suspended);
    expect(outcome(await api(h.app).get(`/api/v1/tenants/${other}/accounts`).set(auth(operatorMade)))).toEqual(suspended);
    expect(outcome(await api(h.app).post('/api/v1/auth/session').send({ email: admin.email, password: admin.password }))).toEqual(
      suspended,
    );
    // a wrong password still gets the 401 of any wrong password: the suspension tells nothing to a guesser
    expect(outcome(await api(h.app).post('/api/v1/auth/session').send({ email: admin.email, password: 'wrong-Pw-1!' }))).toEqual({
      status: 401,
      code: 'unauthenticated',
    });
    // the platform's staff are not affected, and an operator resumes it
    expect((await api(h.app).get(`/api/v1/tenants/${other}/accounts`).set(auth(operator))).status).toBe(200);
    expect((await api(h.app).post(`/api/v1/tenants/${other}/resume`).set(auth(operator))).status).toBe(200);
    expect((await api(h.app).get('/api/v1/auth/me').set('Cookie', admin.cookie)).status).toBe(200);
    expect((await me(token)).status).toBe(200);
  });

  it('a creator whose e-mail address is longer than 36 characters gets 201 (not a 500 on PostgreSQL), and the list shows owner and expiry', async () => {
    const email = `${uniq('a-rather-long-staff-user-name')}@operators.staff.example.test`.toLowerCase();
    expect(email.length).toBeGreaterThan(36);
    const op = await signedIn('operator', null, email);
    const res = await createTokenWithSession(op.cookie, { name: uniq('long'), role: 'operator', expiresInDays: 30 });
    expect(res.status).toBe(201);
    const listed = await api(h.app).get('/api/v1/tokens').query({ limit: 200 }).set('Cookie', op.cookie);
    const all: { id: string }[] = [...listed.body.items];
    let cursor: string | null = listed.body.nextCursor;
    while (cursor) {
      const next = await api(h.app).get('/api/v1/tokens').query({ limit: 200, cursor }).set('Cookie', op.cookie);
      all.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(all.find((t) => t.id === res.body.token.id)).toMatchObject({
      createdBy: op.id,
      createdByLabel: email,
      expiresAt: res.body.token.expiresAt,
    });
  });
});

describe(`api_tokens.created_by migration (${testConfig().db.client})`, () => {
  it("turns a staff creator's label into their id, keeps every label, and leaves the CLI's tokens without owner", async () => {
    const { db, drop } = await scratchDb({ migrate: false });
    try {
      const mine = migrationNames().indexOf('20261202181100_api_token_owner_data');
      for (;;) {
        const [done] = (await db.migrate.list({ migrationSource })) as [string[], unknown];
        if (done.length >= mine) break;
        await db.migrate.up({ migrationSource });
      }
      const now = new Date().toISOString();
      const staffId = randomUUID();
      await db('staff_users').insert({
        id: staffId,
        email: 'ann@staff.test',
        name: 'Ann',
        password_hash: '{BLF-CRYPT}x',
        role: 'operator',
        status: 'active',
        created_at: now,
        updated_at: now,
      });
      const token = (id: string, createdBy: string) => ({
        id,
        name: id,
        token_hash: id.padEnd(64, '0'),
        prefix: 'pwk_x',
        role: 'operator',
        created_by: createdBy,
        created_at: now,
      });
      await db('api_tokens').insert([token('a', 'ann@staff.test'), token('b', 'cli:root'), token('c', 'token:ci')]);
      await db.migrate.up({ migrationSource });
      const rows = await db('api_tokens').select('id', 'created_by', 'created_by_label').orderBy('id');
      expect(rows).toEqual([
        { id: 'a', created_by: staffId, created_by_label: 'ann@staff.test' },
        { id: 'b', created_by: null, created_by_label: 'cli:root' },
        { id: 'c', created_by: null, created_by_label: 'token:ci' },
      ]);
    } finally {
      await drop();
    }
  });
});
