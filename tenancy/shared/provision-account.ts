import type { Db, Trx } from '../../platform/db';
import type { Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { invalid } from '../../platform/errors';
import { presentAccount } from '../presenters';
import { claimAddress } from '../repositories/addresses';
import { insertAccount } from '../repositories/accounts';
import { findDomainByName } from '../repositories/domains';
import type { AccountRow, DomainRow, TenantRow } from '../repositories/rows';
import type { ParsedAddress } from './addresses';
import { assertDomainVerified } from './domain-ownership';
import { newId } from './support';

/**
 * The pool invariant as tenancy sees it: a port. An account's allocation comes out of its tenant's
 * storage pool, and the rule (and the lock every allocation change starts with) belongs to quotas/,
 * which sits above tenancy. So tenancy does not import it: the use cases that create accounts live in
 * quotas/ (quotas/use-cases/create-account.ts, bulk-upsert-accounts.ts) and pass their check in here.
 * It throws (pool_exceeded) when the tenant's pool cannot cover `extraBytes` more, inside `trx`.
 */
export type PoolCheck = (trx: Trx, tenantId: string, extraBytes: number) => Promise<unknown>;

/** Words a password may not contain: the local part and the parts of the display name. */
export const passwordContext = (localPart: string, displayName = ''): string[] => [
  localPart,
  ...localPart.split(/[._+-]/),
  ...displayName.split(/\s+/),
];

/** The domain of an address, which must belong to the tenant; otherwise 400 saying whose it is not. */
export async function tenantDomain(trx: Db, tenant: TenantRow, parsed: ParsedAddress, field = 'address'): Promise<DomainRow> {
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

/** The insert itself, shared by account creation and the bulk import: pool check, namespace claim, row, audit entry. */
export async function provisionAccount(
  trx: Trx,
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
  poolCovers: PoolCheck,
): Promise<AccountRow> {
  // a pending domain gets no account that logs in (domain-ownership.ts); every way to create one passes here
  assertDomainVerified(domain);
  const allocation = input.allocationBytes ?? Number(tenant.default_allocation_bytes);
  await poolCovers(trx, tenant.id, allocation);
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
