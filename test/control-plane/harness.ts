import type { Express } from 'express';
import { ImapFlow } from 'imapflow';
import request from 'supertest';
import { cliActor, systemActor, type Role } from '../../platform/actor';
import type { Config } from '../../platform/config';
import { withActor, type Ctx, type Services } from '../../platform/context';
import { createApiApp } from '../../control-plane/api/app';
import { createApiToken } from '../../tenancy/use-cases/create-api-token';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { createTenant } from '../../tenancy/use-cases/create-tenant';
import { createServices } from '../../control-plane/services';
import { testConfig, uniq } from '../support/env';

/**
 * One in-process API over the shared test database and the real Dovecot, with an API token per role.
 * Every file makes its own tenants and domains (uniq names), so files can run side by side.
 */
export interface Harness {
  services: Services & { close(): Promise<void> };
  app: Express;
  operator: Ctx;
  close(): Promise<void>;
}

export function harnessConfig(): Config {
  const c = testConfig();
  // the authorization matrix sends hundreds of requests a minute; bcrypt at cost 4 keeps tests fast
  return { ...c, passwordCost: 4, api: { ...c.api, rateLimitPerMinute: 0 } };
}

export function startHarness(): Harness {
  const services = createServices(harnessConfig());
  const app = createApiApp(services);
  return { services, app, operator: withActor(services, cliActor()), close: () => services.close() };
}

export async function makeTenant(ctx: Ctx, opts: { poolBytes?: number; defaultAllocationBytes?: number } = {}) {
  const slug = uniq('cp');
  const tenant = await createTenant(ctx, {
    slug,
    name: `Tenant ${slug}`,
    poolBytes: opts.poolBytes ?? 10 * 1024 ** 3,
    defaultAllocationBytes: opts.defaultAllocationBytes ?? 100 * 1024 ** 2,
  });
  const domain = await createDomain(ctx, tenant.id, { name: `${slug}.test` });
  return { tenant, domain };
}

export async function tokenFor(ctx: Ctx, role: Role, tenantId: string | null = null): Promise<string> {
  const { secret } = await createApiToken(ctx, { name: `${role}-${uniq()}`, role, tenantId });
  return secret;
}

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export function api(app: Express) {
  return request(app);
}

export const strongPassword = () => `Pw-${uniq()}-x9!`;

/** Logs in over IMAP; resolves true when Dovecot accepts, false when it refuses the credentials. */
export async function imapLogin(config: Config, user: string, pass: string): Promise<boolean> {
  const client = new ImapFlow({
    host: config.dovecot.imapHost,
    port: config.dovecot.imapPort,
    secure: false,
    auth: { user, pass },
    logger: false,
    connectionTimeout: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch (e) {
    const err = e as { authenticationFailed?: boolean; serverResponseCode?: string };
    if (err.authenticationFailed || err.serverResponseCode === 'AUTHENTICATIONFAILED') return false;
    throw e;
  }
}

/** A staff user signed in through the API: their id, e-mail address, password and session cookie. */
export async function signedInStaff(
  h: Harness,
  opts: { role: Role; tenantId: string | null; email?: string; actor?: string },
): Promise<{ id: string; email: string; password: string; cookie: string }> {
  const email = opts.email ?? `${uniq('staff')}@staff.test`.toLowerCase();
  const password = strongPassword();
  const user = await createStaffUser(withActor(h.services, systemActor(opts.actor ?? 'test')), {
    email,
    name: 'T',
    role: opts.role,
    tenantId: opts.tenantId,
    password,
  });
  const res = await api(h.app).post('/api/v1/auth/session').send({ email, password });
  if (res.status !== 200) throw new Error(`sign-in of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  return { id: user.id, email, password, cookie };
}
