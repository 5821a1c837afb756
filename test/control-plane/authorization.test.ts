import { setConnection } from '../../directory/use-cases/set-connection';
import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '../../platform/actor';
import { PERMISSIONS } from '../../platform/permissions';
import { allRoutes } from '../../control-plane/api/routes';
import type { RouteDef } from '../../control-plane/api/route';
import { createAccount } from '../../quotas/use-cases/create-account';
import { createAlias } from '../../tenancy/use-cases/create-alias';
import { createApiToken } from '../../tenancy/use-cases/create-api-token';
import { createForwarding } from '../../tenancy/use-cases/create-forwarding';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * Every route of the registry (so routes added later are covered without touching this file) with
 * every role: operator, tenant admin of the tenant addressed, tenant admin of another tenant,
 * migration engineer, support, and no authentication. Each answer is checked against the permission
 * table: 401 without authentication, 403 for a role lacking the permission, 404 for a tenant admin
 * reaching into another tenant, otherwise none of 401/403/404.
 */
type Who = 'anonymous' | 'operator' | 'tenant_admin(own)' | 'tenant_admin(other)' | 'migration_engineer' | 'support';
const WHO: Who[] = ['anonymous', 'operator', 'tenant_admin(own)', 'tenant_admin(other)', 'migration_engineer', 'support'];
const roleOf = (who: Who): Role | null => (who === 'anonymous' ? null : (who.replace(/\(.*\)$/, '') as Role));

let h: Harness;
let tenantId: string;
let domainName: string;
const tokens = {} as Record<Exclude<Who, 'anonymous'>, string>;

beforeAll(async () => {
  h = startHarness();
  const own = await makeTenant(h.operator);
  const other = await makeTenant(h.operator);
  tenantId = own.tenant.id;
  domainName = own.domain.name;
  tokens.operator = await tokenFor(h.operator, 'operator');
  tokens['tenant_admin(own)'] = await tokenFor(h.operator, 'tenant_admin', own.tenant.id);
  tokens['tenant_admin(other)'] = await tokenFor(h.operator, 'tenant_admin', other.tenant.id);
  tokens.migration_engineer = await tokenFor(h.operator, 'migration_engineer');
  tokens.support = await tokenFor(h.operator, 'support');
  (global as { __domainId?: string }).__domainId = own.domain.id;
  // a directory connection, so that its routes answer for the tenant (nothing listens there: test and preview answer 503)
  await setConnection(h.operator, own.tenant.id, { url: 'ldap://127.0.0.1:1', bindDn: 'cn=x,dc=x', bindPassword: 'x', baseDn: 'dc=x' });
});
afterAll(() => h.close());

/** Fresh objects of the addressed tenant for each request, so one role's DELETE cannot turn another's answer into 404. */
async function objects(): Promise<Record<string, string>> {
  const account = await createAccount(h.operator, tenantId, {
    address: `${uniq('az')}@${domainName}`,
    password: strongPassword(),
    allocationBytes: 1024,
  });
  const alias = await createAlias(h.operator, tenantId, { address: `${uniq('azal')}@${domainName}`, accountId: account.id });
  const fwd = await createForwarding(h.operator, tenantId, account.id, { targetAddress: `${uniq('fw')}@example.org` });
  const staff = await createStaffUser(h.operator, {
    email: `${uniq('st')}@example.org`,
    password: strongPassword(),
    role: 'tenant_admin',
    tenantId,
  });
  const { token } = await createApiToken(h.operator, { name: uniq('tk'), role: 'tenant_admin', tenantId });
  return {
    tenantId,
    domainId: (global as { __domainId?: string }).__domainId!,
    accountId: account.id,
    aliasId: alias.id,
    forwardingId: fwd.id,
    staffId: staff.id,
    tokenId: token.id,
  };
}

function expected(def: RouteDef, who: Who, touchesTenant: boolean): 'pass' | 401 | 403 | 404 {
  const role = roleOf(who);
  if (def.permission === 'public') return 'pass';
  if (!role) return 401;
  if (def.permission !== 'authenticated' && !(PERMISSIONS[def.permission] as readonly Role[]).includes(role)) return 403;
  // every caller here is an API token: a token has no password or second factor of its own
  if (def.staffSession) return 403;
  if (who === 'tenant_admin(other)' && touchesTenant) return 404;
  return 'pass';
}

const cases = allRoutes.flatMap((def) => WHO.map((who) => [`${def.method.toUpperCase()} ${def.path}`, who, def] as const));

describe(`authorization of every route (${testConfig().db.client})`, () => {
  it('covers every role of the platform', () => {
    expect(ROLES.every((r) => WHO.some((w) => roleOf(w) === r))).toBe(true);
    expect(allRoutes.length).toBeGreaterThan(30);
  });

  it('covers the restore drills: results for backup.read (support too), a drill on demand for operators and tenant admins', () => {
    const drills = allRoutes.filter((r) => r.path === '/tenants/:tenantId/backups/drills').map((r) => [r.method, r.permission]);
    expect(drills.sort()).toEqual([
      ['get', 'backup.read'],
      ['post', 'backup.drill'],
    ]);
    expect(PERMISSIONS['backup.drill']).toEqual(['operator', 'tenant_admin']);
  });

  it('documents every route in the OpenAPI document, with its permission', async () => {
    const res = await api(h.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    for (const def of allRoutes) {
      const op = res.body.paths[def.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[def.method];
      expect(op ? op['x-permission'] : `${def.method} ${def.path} missing`).toBe(def.permission);
    }
  });

  it.each(cases)('%s as %s', async (_name, who, def) => {
    const known = await objects();
    let unknownParam = false;
    const path = def.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
      if (known[name]) return known[name]!;
      unknownParam = true;
      return randomUUID();
    });
    // every id in the path belongs to the addressed tenant (or is unknown)
    const touchesTenant = /:[A-Za-z]+Id/.test(def.path);
    const want = expected(def, who, touchesTenant);
    let req = api(h.app)[def.method](`/api/v1${path}`);
    if (who !== 'anonymous') req = req.set(auth(tokens[who]));
    const res = def.acceptsCsv
      ? await req.set('content-type', 'text/csv').send('')
      : def.method === 'get' || def.method === 'delete'
        ? await req
        : await req.send({});
    const seen = `${res.status} ${JSON.stringify(res.body?.error ?? '').slice(0, 160)}`;
    if (want === 'pass') {
      const allowed404 = unknownParam ? [] : [404];
      expect([401, 403, ...allowed404].includes(res.status) ? seen : 'ok').toBe('ok');
    } else {
      expect(seen.slice(0, 3)).toBe(String(want));
    }
  });
});
