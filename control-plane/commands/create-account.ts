import type { Knex } from 'knex';
import type { Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { assertStrongPassword, hashPassword } from '../../platform/passwords';
import { assertPoolCovers } from '../../quotas/pool';
import { presentAccount } from '../presenters';
import { claimAddress } from '../../tenancy/repositories/addresses';
import { insertAccount } from '../../tenancy/repositories/accounts';
import { findDomainByName } from '../../tenancy/repositories/domains';
import type { AccountRow, DomainRow, TenantRow } from '../../tenancy/repositories/rows';
import { parseAddress, type ParsedAddress } from './addresses';
import { authorize, loadTenant, newId } from './support';

export interface CreateAccountInput {
  address: string;
  password: string;
  displayName?: string | undefined;
  /** default: the tenant's default_allocation_bytes */
  allocationBytes?: number | undefined;
  status?: 'active' | 'suspended' | undefined;
}

/** Words a password may not contain: the local part and the parts of the display name. */
export const passwordContext = (localPart: string, displayName = ''): string[] => [
  localPart,
  ...localPart.split(/[._+-]/),
  ...displayName.split(/\s+/),
];

/**
 * Creates a mailbox. Dovecot sees it on the next lookup (mail_users view, no auth cache): the account
 * can log in as soon as this returns. The allocation comes out of the tenant's pool, checked under the
 * pool lock in the same transaction.
 */
export async function createAccount(ctx: Ctx, tenantId: string, input: CreateAccountInput) {
  authorize(ctx, 'account.write', tenantId);
  const parsed = parseAddress(input.address);
  const displayName = (input.displayName ?? '').trim();
  assertStrongPassword(input.password, passwordContext(parsed.localPart, displayName));
  // bcrypt is slow on purpose: hash before the transaction so that the pool lock is held briefly
  const passwordHash = await hashPassword(input.password, ctx.config.passwordCost);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenant = await loadTenant(trx, ctx, tenantId);
    const domain = await tenantDomain(trx, tenant, parsed);
    const row = await provisionAccount(trx, ctx.actor, tenant, domain, {
      parsed,
      passwordHash,
      displayName,
      allocationBytes: input.allocationBytes,
      status: input.status ?? 'active',
    });
    return presentAccount(row);
  });
}

/** The domain of an address, which must belong to the tenant; otherwise 400 saying whose it is not. */
export async function tenantDomain(trx: Knex, tenant: TenantRow, parsed: ParsedAddress, field = 'address'): Promise<DomainRow> {
  const domain = await findDomainByName(trx, parsed.domain);
  if (!domain) {
    throw invalid(`domain ${parsed.domain} of ${parsed.address} is not a domain of tenant ${tenant.slug}; add the domain first`, [
      { path: field, message: `unknown domain ${parsed.domain}` },
    ]);
  }
  if (domain.tenant_id !== tenant.id) {
    throw invalid(`domain ${parsed.domain} of ${parsed.address} belongs to another tenant`, [
      { path: field, message: `domain ${parsed.domain} belongs to another tenant` },
    ]);
  }
  return domain;
}

/** The insert itself, shared with the bulk import: pool check, namespace claim, row, audit entry. */
export async function provisionAccount(
  trx: Knex.Transaction,
  actor: Actor,
  tenant: TenantRow,
  domain: DomainRow,
  input: {
    parsed: ParsedAddress;
    passwordHash: string;
    displayName: string;
    allocationBytes?: number | undefined;
    status: 'active' | 'suspended';
  },
): Promise<AccountRow> {
  const allocation = input.allocationBytes ?? Number(tenant.default_allocation_bytes);
  await assertPoolCovers(trx, tenant.id, allocation);
  const id = newId();
  const now = nowIso();
  await claimAddress(trx, { address: input.parsed.address, tenant_id: tenant.id, kind: 'account', owner_id: id });
  const row: AccountRow = {
    id,
    tenant_id: tenant.id,
    domain_id: domain.id,
    local_part: input.parsed.localPart,
    address: input.parsed.address,
    display_name: input.displayName,
    password_hash: input.passwordHash,
    status: input.status,
    allocation_bytes: allocation,
    // the mailbox folder follows the id, not the address: a rename keeps the mailbox where it is
    mail_path: `${tenant.id}/${id}`,
    delete_after: null,
    created_at: now,
    updated_at: now,
  };
  await insertAccount(trx, row);
  await appendAudit(trx, actor, {
    action: 'account.created',
    tenantId: tenant.id,
    target: { type: 'account', id },
    after: presentAccount(row),
  });
  return row;
}
