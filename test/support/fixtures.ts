import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Db } from '../../platform/db';
import { uniq } from './env';

/**
 * Rows written straight into the system of record, for tests of other modules (migrator, quotas)
 * that need a tenant and a mailbox Dovecot knows. Control-plane tests create theirs through the
 * control plane's own commands instead.
 */
export interface TestAccount {
  tenantId: string;
  domainId: string;
  accountId: string;
  address: string;
  password: string;
  domain: string;
}

export async function createTestTenant(db: Db, opts: { poolBytes?: number } = {}) {
  const now = new Date().toISOString();
  const tenantId = randomUUID();
  const domainId = randomUUID();
  const slug = uniq('tn');
  const domain = `${slug}.test`;
  await db('tenants').insert({
    id: tenantId,
    slug,
    name: `Tenant ${slug}`,
    status: 'active',
    pool_bytes: opts.poolBytes ?? 10 * 1024 ** 3,
    default_allocation_bytes: 100 * 1024 ** 2,
    created_at: now,
    updated_at: now,
  });
  await db('domains').insert({ id: domainId, tenant_id: tenantId, name: domain, status: 'active', created_at: now, updated_at: now });
  return { tenantId, domainId, domain };
}

export async function createTestAccount(
  db: Db,
  opts: {
    tenant?: { tenantId: string; domainId: string; domain: string };
    localPart?: string;
    password?: string;
    quotaBytes?: number;
  } = {},
): Promise<TestAccount> {
  const tenant = opts.tenant ?? (await createTestTenant(db));
  const now = new Date().toISOString();
  const accountId = randomUUID();
  const password = opts.password ?? `pw-${uniq()}`;
  const address = `${opts.localPart ?? uniq('u')}@${tenant.domain}`.toLowerCase();
  await db('accounts').insert({
    id: accountId,
    tenant_id: tenant.tenantId,
    domain_id: tenant.domainId,
    local_part: address.split('@')[0],
    address,
    display_name: '',
    password_hash: `{BLF-CRYPT}${bcrypt.hashSync(password, 4)}`,
    status: 'active',
    allocation_bytes: opts.quotaBytes ?? 1024 ** 3,
    mail_path: `${tenant.tenantId}/${accountId}`,
    created_at: now,
    updated_at: now,
  });
  return { ...tenant, accountId, address, password };
}
