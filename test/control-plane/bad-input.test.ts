import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * The bad-input list, each answered 4xx with a message that says what is wrong, and nothing
 * half-written (no account row, no audit entry).
 */
let h: Harness;
let tenantId: string;
let domain: string;
let otherDomain: string;
let admin: string;
let operator: string;

beforeAll(async () => {
  h = startHarness();
  const own = await makeTenant(h.operator, { poolBytes: 1024 ** 3, defaultAllocationBytes: 100 * 1024 ** 2 });
  const other = await makeTenant(h.operator);
  tenantId = own.tenant.id;
  domain = own.domain.name;
  otherDomain = other.domain.name;
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
  operator = await tokenFor(h.operator, 'operator');
});
afterAll(() => h.close());

const accounts = () => `/api/v1/tenants/${tenantId}/accounts`;
async function counts() {
  const a = await h.services.db('accounts').where({ tenant_id: tenantId }).count({ n: '*' }).first();
  const l = await h.services.db('audit_log').where({ tenant_id: tenantId }).count({ n: '*' }).first();
  return { accounts: Number(a?.n), audit: Number(l?.n) };
}

/** Sends the request and checks status, error code and message; then that nothing was written. */
async function refused(
  send: () => Promise<{ status: number; body: { error?: { code: string; message: string } } }>,
  status: number,
  code: string,
  message: RegExp,
) {
  const before = await counts();
  const res = await send();
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
  expect(res.body.error?.message).toMatch(message);
  expect(await counts()).toEqual(before);
}

describe(`bad input (${testConfig().db.client})`, () => {
  it.each([
    ['no-at-sign', /is not an address/],
    [`a..b@${'DOMAIN'}`, /double dot/],
    [`.a@DOMAIN`, /leading, trailing or double dot/],
    ['müller@DOMAIN', /characters other than/],
    ['alice*master@DOMAIN', /characters other than/],
    [`${'x'.repeat(65)}@DOMAIN`, /longer than 64/],
    ['a@-bad-.test', /invalid domain/],
    ['a@localhost', /invalid domain: needs at least two labels/],
    ['a@ex ample.test', /invalid domain/],
    ['a@1.2.3.4', /all-numeric/],
  ])('invalid address %s → 400', async (addr, message) => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: addr.replace('DOMAIN', domain), password: strongPassword() }),
      400,
      'validation_failed',
      message,
    );
  });

  it.each([
    ['exa mple.test', /not a domain name/],
    ['localhost', /at least two labels/],
    ['under_score.test', /invalid label/],
    [`${'a'.repeat(64)}.test`, /longer than 63/],
    ['a..test', /empty label/],
  ])('invalid domain %s → 400', async (name, message) => {
    const res = await api(h.app).post(`/api/v1/tenants/${tenantId}/domains`).set(auth(admin)).send({ name });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('stores IDNA domains in ASCII and folds addresses to lower case', async () => {
    const label = uniq('müller');
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/domains`)
      .set(auth(admin))
      .send({ name: `${label.toUpperCase()}.Test` });
    expect(res.status).toBe(201);
    expect(res.body.name).toMatch(/^xn--.*\.test$/);
    expect(res.body.unicodeName).toBe(`${label}.test`);
    // a tenant admin's domain takes accounts once verified (domain-ownership.test.ts); an operator vouches here
    expect(res.body.verification.record.name).toBe(`_postwerk.${res.body.name}`);
    await api(h.app).patch(`/api/v1/tenants/${tenantId}/domains/${res.body.id}`).set(auth(operator)).send({ verified: true }).expect(200);
    const acc = await api(h.app)
      .post(accounts())
      .set(auth(admin))
      .send({ address: `Info.Desk@${label.toUpperCase()}.test`, password: strongPassword(), allocationBytes: 1024 });
    expect(acc.status).toBe(201);
    expect(acc.body.address).toBe(`info.desk@${res.body.name}`);
  });

  it('refuses a domain owned by another tenant, for the domain and for its addresses', async () => {
    const d = await api(h.app).post(`/api/v1/tenants/${tenantId}/domains`).set(auth(admin)).send({ name: otherDomain });
    expect(d.status).toBe(409);
    expect(d.body.error.message).toBe(`domain ${otherDomain} is registered to another tenant`);
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `x@${otherDomain}`, password: strongPassword() }),
      400,
      'validation_failed',
      /belongs to another tenant/,
    );
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `x@${uniq('nowhere')}.test`, password: strongPassword() }),
      400,
      'validation_failed',
      /is not a domain of tenant/,
    );
  });

  it('answers 409 naming the address for duplicates, across accounts and aliases', async () => {
    const address = `${uniq('dup')}@${domain}`;
    const first = await api(h.app).post(accounts()).set(auth(admin)).send({ address, password: strongPassword(), allocationBytes: 1024 });
    expect(first.status).toBe(201);
    await refused(
      () => api(h.app).post(accounts()).set(auth(admin)).send({ address: address.toUpperCase(), password: strongPassword() }),
      409,
      'conflict',
      new RegExp(`address ${address} is already in use`),
    );
    // an alias may not take an account's address …
    await refused(
      () => api(h.app).post(`/api/v1/tenants/${tenantId}/aliases`).set(auth(admin)).send({ address, accountId: first.body.id }),
      409,
      'conflict',
      new RegExp(address),
    );
    // … nor an account an alias'
    const alias = `${uniq('alias')}@${domain}`;
    await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/aliases`)
      .set(auth(admin))
      .send({ address: alias, accountId: first.body.id })
      .expect(201);
    await refused(
      () => api(h.app).post(accounts()).set(auth(admin)).send({ address: alias, password: strongPassword() }),
      409,
      'conflict',
      new RegExp(`${alias} is already in use`),
    );
    // renaming onto a taken address
    const res = await api(h.app).post(`${accounts()}/${first.body.id}/rename`).set(auth(admin)).send({ address: alias });
    expect(res.status).toBe(409);
  });

  it.each([
    ['short', /password must be at least 10 characters/],
    ['aaaaaaaaaaaa', /password must not repeat one character/],
    ['abcdefghijkl', /must mix letters with digits or symbols/],
    ['Password123!', /too common/],
  ])('weak password %s → 400 naming the problem', async (password, message) => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `${uniq('weak')}@${domain}`, password }),
      400,
      'validation_failed',
      message,
    );
  });

  it('refuses a password that contains the address', async () => {
    const local = uniq('jdoe');
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `${local}@${domain}`, password: `${local}-2024!` }),
      400,
      'validation_failed',
      /must not contain the address/,
    );
  });

  it('refuses control characters in display names (they end up in mail headers)', async () => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `${uniq('cc')}@${domain}`, password: strongPassword(), displayName: 'Eve\r\nBcc: all@example.org' }),
      400,
      'validation_failed',
      /displayName: must not contain control characters/,
    );
  });

  it('refuses unknown fields', async () => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `${uniq('uf')}@${domain}`, password: strongPassword(), isAdmin: true }),
      400,
      'validation_failed',
      /Unrecognized key.*isAdmin/,
    );
    const q = await api(h.app).get(accounts()).query({ sort: 'address' }).set(auth(admin));
    expect(q.status).toBe(400);
  });

  it('refuses oversized bodies with 413', async () => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .set('content-type', 'application/json')
          .send(JSON.stringify({ address: 'a@b.test', password: 'x'.repeat(2 * 1024 * 1024) })),
      413,
      'payload_too_large',
      /larger than the limit/,
    );
  });

  it('refuses malformed JSON with 400', async () => {
    await refused(
      () => api(h.app).post(accounts()).set(auth(admin)).set('content-type', 'application/json').send('{"address": "a@b.test",'),
      400,
      'malformed_json',
      /not valid JSON/,
    );
  });

  it('refuses an allocation the pool cannot cover, naming what is free', async () => {
    await refused(
      () =>
        api(h.app)
          .post(accounts())
          .set(auth(admin))
          .send({ address: `${uniq('big')}@${domain}`, password: strongPassword(), allocationBytes: 5 * 1024 ** 3 }),
      422,
      'pool_exceeded',
      /cannot cover 5 GiB: .* of 1 GiB free/,
    );
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await api(h.app).get(`${accounts()}/not-a-uuid`).set(auth(admin))).status).toBe(400);
    expect((await api(h.app).get(`${accounts()}/00000000-0000-4000-8000-000000000000`).set(auth(admin))).status).toBe(404);
  });

  it('replays a create with the same Idempotency-Key instead of creating twice', async () => {
    const key = uniq('idem');
    const body = { address: `${uniq('idem')}@${domain}`, password: strongPassword(), allocationBytes: 1024 };
    const a = await api(h.app).post(accounts()).set(auth(admin)).set('Idempotency-Key', key).send(body);
    const b = await api(h.app).post(accounts()).set(auth(admin)).set('Idempotency-Key', key).send(body);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body.id).toBe(a.body.id);
    const c = await api(h.app)
      .post(accounts())
      .set(auth(admin))
      .set('Idempotency-Key', key)
      .send({ ...body, displayName: 'other' });
    expect(c.status).toBe(422);
  });

  it('lists with pagination and filters (status, domain, address prefix)', async () => {
    const prefix = uniq('pg');
    for (let i = 0; i < 5; i++) {
      await api(h.app)
        .post(accounts())
        .set(auth(admin))
        .send({
          address: `${prefix}-${i}@${domain}`,
          password: strongPassword(),
          allocationBytes: 1024,
          status: i === 4 ? 'suspended' : 'active',
        })
        .expect(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api(h.app)
        .get(accounts())
        .query({ search: prefix, limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(admin));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((a: { address: string }) => a.address));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}-${i}@${domain}`));
    const suspended = await api(h.app).get(accounts()).query({ search: prefix, status: 'suspended' }).set(auth(admin));
    expect(suspended.body.items.map((a: { address: string }) => a.address)).toEqual([`${prefix}-4@${domain}`]);
    const byDomain = await api(h.app).get(accounts()).query({ search: prefix, domain: domain.toUpperCase() }).set(auth(admin));
    expect(byDomain.body.items).toHaveLength(5);
    const otherDom = await api(h.app).get(accounts()).query({ search: prefix, domain: otherDomain }).set(auth(admin));
    expect(otherDom.body.items).toHaveLength(0);
    // LIKE wildcards in the prefix are literal
    const wild = await api(h.app).get(accounts()).query({ search: '%' }).set(auth(admin));
    expect(wild.body.items).toHaveLength(0);
    expect((await api(h.app).get(accounts()).query({ limit: 0 }).set(auth(admin))).status).toBe(400);
  });

  it('never shows a password hash or token hash', async () => {
    const res = await api(h.app).get(accounts()).set(auth(admin));
    expect(JSON.stringify(res.body)).not.toMatch(/BLF-CRYPT|password_hash|passwordHash/);
    const tokens = await api(h.app).get('/api/v1/tokens').set(auth(operator));
    expect(JSON.stringify(tokens.body)).not.toMatch(/token_hash|tokenHash|pwk_[A-Za-z0-9_-]{20,}/);
  });
});
