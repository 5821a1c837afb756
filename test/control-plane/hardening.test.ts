import { createApiApp } from '../../control-plane/api/app';
import { route } from '../../control-plane/api/route';
import { systemActor } from '../../platform/actor';
import { PERMISSIONS, requirePermission, type Permission } from '../../platform/permissions';
import { withActor } from '../../platform/context';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * Issue 12, item 9 ("smaller ones"), against the real database and Redis: each answer a careless
 * request used to turn into a 500, or a door a cross-site page could use.
 */
let h: Harness;
let tenantId: string;
let domain: string;
let operator: string;

beforeAll(async () => {
  h = startHarness();
  const t = await makeTenant(h.operator);
  tenantId = t.tenant.id;
  domain = t.domain.name;
  operator = await tokenFor(h.operator, 'operator');
});
afterAll(() => h.close());

/** A signed-in operator's session cookie, as the portal holds it. */
async function sessionCookie(): Promise<string> {
  const email = `${uniq('hard')}@staff.test`.toLowerCase();
  const password = strongPassword();
  await createStaffUser(withActor(h.services, systemActor('hardening-test')), {
    email,
    name: 'H',
    role: 'operator',
    tenantId: null,
    password,
  });
  const res = await api(h.app).post('/api/v1/auth/session').send({ email, password });
  expect(res.status).toBe(200);
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return set.map((c) => c.split(';')[0]).join('; ');
}

describe(`smaller hardening (${testConfig().db.client})`, () => {
  it.each([['pw_session=%E0%A4%A'], ['pw_session=%'], ['pw_mail_session=%zz; pw_session=a%']])(
    'a malformed cookie (%s) gets 401, not 500',
    async (cookie) => {
      const res = await api(h.app).get('/api/v1/auth/me').set('Cookie', cookie);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'unauthenticated' });
    },
  );

  it('a session cookie beside malformed ones still signs in', async () => {
    const cookie = await sessionCookie();
    const res = await api(h.app).get('/api/v1/auth/me').set('Cookie', `junk=%E0%A4%A; ${cookie}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['/api/v1/tenants', 'AA'],
    ['/api/v1/tenants', '%00'],
    ['/api/v1/tenants', 'not base64!'],
    [`/api/v1/audit?tenantId=TENANT`, Buffer.from('abc').toString('base64url')],
    [`/api/v1/audit?tenantId=TENANT`, Buffer.from('99999999999999999999999').toString('base64url')],
    [`/api/v1/tenants/TENANT/accounts`, Buffer.from('a\u0000b').toString('base64url')],
  ])('a bad cursor on %s (%s) gets 400 naming the cursor', async (path, cursor) => {
    const res = await api(h.app).get(path.replace('TENANT', tenantId)).query({ cursor }).set(auth(operator));
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(res.body.error.message).toMatch(/cursor/);
  });

  it('a cursor from a previous page still works', async () => {
    await makeTenant(h.operator);
    const first = await api(h.app).get('/api/v1/tenants').query({ limit: 1 }).set(auth(operator));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api(h.app).get('/api/v1/tenants').query({ limit: 1, cursor: first.body.nextCursor }).set(auth(operator));
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(first.body.items[0].id);
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x']])(
    'a bulk CSV import sent as %s gets 415 and imports nothing',
    async (type) => {
      const admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
      const address = `${uniq('csv')}@${domain}`;
      const res = await api(h.app)
        .post(`/api/v1/tenants/${tenantId}/accounts/bulk`)
        .set(auth(admin))
        .set('content-type', type)
        .send(`address,password\n${address},${strongPassword()}\n`);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 415, code: 'unsupported_media_type' });
      expect(res.body.error.message).toMatch(/text\/csv/);
      expect(await h.services.db('accounts').where({ address })).toHaveLength(0);
    },
  );

  it('a bulk CSV import sent as text/csv still works', async () => {
    const admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
    const address = `${uniq('csv')}@${domain}`;
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/bulk`)
      .set(auth(admin))
      .set('content-type', 'text/csv; charset=utf-8')
      .send(`address,password\n${address},${strongPassword()}\n`);
    expect(res.status).toBe(200);
    expect(await h.services.db('accounts').where({ address })).toHaveLength(1);
  });

  describe('cookie-authenticated writes check where they come from', () => {
    let cookie: string;
    beforeAll(async () => {
      cookie = await sessionCookie();
    });
    const newTenant = () => {
      const slug = uniq('csrf');
      return { slug, name: `T ${slug}`, poolBytes: 1024 ** 3, defaultAllocationBytes: 1024 ** 2 };
    };
    const created = async (slug: string) => (await h.services.db('tenants').where({ slug })).length;

    it.each([
      [{ 'Sec-Fetch-Site': 'cross-site' }],
      [{ 'Sec-Fetch-Site': 'same-site' }],
      [{ Origin: 'https://evil.example' }],
      [{ Origin: 'null' }],
      [{ 'Sec-Fetch-Site': 'cross-site', Origin: 'http://127.0.0.1' }],
    ])('refuses %j with 403 cross_site_request and writes nothing', async (headers) => {
      const body = newTenant();
      const res = await api(h.app).post('/api/v1/tenants').set('Cookie', cookie).set(headers).send(body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'cross_site_request' });
      expect(res.body.error.message).toMatch(/another site/);
      expect(await created(body.slug)).toBe(0);
    });

    it('refuses a cross-site sign-out too (DELETE)', async () => {
      const res = await api(h.app).delete('/api/v1/auth/session').set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site');
      expect(res.status).toBe(403);
      expect((await api(h.app).get('/api/v1/auth/me').set('Cookie', cookie)).status).toBe(200);
    });

    it.each([[{ 'Sec-Fetch-Site': 'same-origin' }], [{}], [{ Origin: 'http://HOST' }], [{ Origin: testConfig().api.publicUrl }]])(
      'lets %j through',
      async (headers) => {
        const body = newTenant();
        const req = api(h.app).post('/api/v1/tenants').set('Cookie', cookie);
        const host = 'portal.test:8443';
        const res = await req
          .set('Host', host)
          .set(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('HOST', host)])))
          .send(body);
        expect(res.status).toBe(201);
        expect(await created(body.slug)).toBe(1);
      },
    );

    it('does not apply to API tokens, which a browser does not attach by itself', async () => {
      const body = newTenant();
      const res = await api(h.app).post('/api/v1/tenants').set(auth(operator)).set('Sec-Fetch-Site', 'cross-site').send(body);
      expect(res.status).toBe(201);
    });
  });

  it('public routes run as the anonymous actor, which no permission lets through', async () => {
    const seenActor: Record<string, unknown>[] = [];
    const probe = route({
      method: 'get',
      path: '/probe',
      summary: 'test only',
      tags: ['test'],
      permission: 'public',
      async handler(ctx) {
        seenActor.push({ ...ctx.actor });
        const allowed = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => {
          try {
            requirePermission(ctx.actor, p);
            return true;
          } catch {
            return false;
          }
        });
        return { allowed };
      },
    });
    const app = createApiApp(h.services, { routes: [probe] });
    const res = await api(app)
      .get('/api/v1/probe')
      .set('Cookie', await sessionCookie());
    expect(res.status).toBe(200);
    expect(res.body.allowed).toEqual([]);
    expect(seenActor).toEqual([expect.objectContaining({ id: 'anonymous', role: 'anonymous', tenantId: null })]);
  });
});
