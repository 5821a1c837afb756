import { createHash } from 'node:crypto';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * Idempotency records (issue 12, item 5): what is kept of a request is a keyed hash without its secret
 * fields, never anything a plaintext password can be recovered or guessed from, and records older than
 * a day are swept.
 */
let h: Harness;
let tenantId: string;
let domain: string;
let admin: string;

beforeAll(async () => {
  h = startHarness();
  const own = await makeTenant(h.operator);
  tenantId = own.tenant.id;
  domain = own.domain.name;
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
});
afterAll(() => h.close());

const accounts = () => `/api/v1/tenants/${tenantId}/accounts`;

describe(`idempotency records (${testConfig().db.client})`, () => {
  it('sweeps records older than a day, and keeps no password material of a request', async () => {
    const old = { principal: `token:${uniq('old')}`, key: uniq('k'), request_hash: 'x', status: 201, response: '{}' };
    await h.services.db('idempotency_keys').insert({ ...old, created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    const fresh = { ...old, key: uniq('k') };
    await h.services.db('idempotency_keys').insert({ ...fresh, created_at: new Date(Date.now() - 3600_000).toISOString() });

    const key = uniq('idem');
    const password = strongPassword();
    const body = { address: `${uniq('idem')}@${domain}`, password, allocationBytes: 1024 };
    const a = await api(h.app).post(accounts()).set(auth(admin)).set('Idempotency-Key', key).send(body);
    expect(a.status).toBe(201);

    // the sweep ran with this request: the two-day-old record is gone, the hour-old one stays
    expect(await h.services.db('idempotency_keys').where({ principal: old.principal, key: old.key }).first()).toBeUndefined();
    expect(await h.services.db('idempotency_keys').where({ principal: fresh.principal, key: fresh.key }).first()).toBeDefined();

    const row = await h.services.db('idempotency_keys').where({ key }).first();
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(password);
    // not the old unsalted SHA-256 of the request as sent, nor of it without the password
    const request = { method: 'POST', path: accounts(), body };
    const plain = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
    expect(row.request_hash).not.toBe(plain(request));
    expect(row.request_hash).not.toBe(plain({ ...request, body: { ...body, password: undefined } }));
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);

    // the same request is replayed; another request under the same key is still refused
    const b = await api(h.app).post(accounts()).set(auth(admin)).set('Idempotency-Key', key).send(body);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await api(h.app)
      .post(accounts())
      .set(auth(admin))
      .set('Idempotency-Key', key)
      .send({ ...body, allocationBytes: 2048 });
    expect(c.status).toBe(422);
    expect(c.body.error.code).toBe('idempotency_mismatch');
  });
});
