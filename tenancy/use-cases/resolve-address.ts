import { z } from 'zod';
import type { Db } from '../../platform/db';
import { findAccountById } from '../repositories/accounts';
import { findAddress } from '../repositories/addresses';
import { findAliasById } from '../repositories/aliases';
import { findDomainById, findDomainByName } from '../repositories/domains';
import { findTenant } from '../repositories/tenants';
import type { AccountRow, DomainRow, TenantRow } from '../repositories/rows';

export const resolveAddressInput = z.object({ address: z.string().trim().toLowerCase().min(3).max(320) });
export type ResolveAddressInput = z.infer<typeof resolveAddressInput>;

/** Why an account may not receive mail right now (null: it may). */
export type Undeliverable = 'account_suspended' | 'account_deleting' | 'tenant_suspended' | 'domain_suspended' | null;

/** What an address on the platform resolves to: the account that stores its mail, and why not, if not. */
export interface ResolvedAddress {
  address: string;
  /** the address is the account's own, or an alias pointing to it */
  kind: 'account' | 'alias';
  account: AccountRow;
  tenant: TenantRow;
  domain: DomainRow;
  undeliverable: Undeliverable;
}

/**
 * "Resolve this address to an account": the lookup the SMTP ingress asks at RCPT and backup asks per
 * account. Not found is a value: an address the namespace does not hold answers null, and so does
 * one whose domain is not the platform's (callers tell those apart with `isPlatformDomain`).
 */
export async function resolveAddress(db: Db, input: ResolveAddressInput): Promise<ResolvedAddress | null> {
  const { address } = resolveAddressInput.parse(input);
  const claim = await findAddress(db, address);
  if (!claim) return null;
  const accountId = claim.kind === 'account' ? claim.owner_id : (await findAliasById(db, claim.owner_id))?.account_id;
  if (!accountId) return null;
  const account = await findAccountById(db, accountId);
  if (!account) return null;
  const tenant = await findTenant(db, account.tenant_id);
  const domain = await findDomainById(db, account.domain_id);
  if (!tenant || !domain) return null;
  return { address, kind: claim.kind, account, tenant, domain, undeliverable: undeliverableReason(account, tenant, domain) };
}

export function undeliverableReason(account: AccountRow, tenant: TenantRow, domain: DomainRow): Undeliverable {
  if (account.status === 'deleting') return 'account_deleting';
  if (account.status === 'suspended') return 'account_suspended';
  if (tenant.status !== 'active') return 'tenant_suspended';
  if (domain.status === 'suspended') return 'domain_suspended';
  return null;
}

/** Whether mail for this domain is the platform's to take (a domain any tenant holds). */
export async function isPlatformDomain(db: Db, domain: string): Promise<boolean> {
  return (await findDomainByName(db, domain.trim().toLowerCase())) !== undefined;
}

/**
 * Whether a domain's mail is the platform's to take: `none` (no tenant holds it: relaying), `pending`
 * (a tenant added it but has not shown it owns it: refused like a foreign domain, so a tenant cannot
 * collect another company's mail by adding its name), `verified`.
 */
export async function domainAcceptance(db: Db, domain: string): Promise<'none' | 'pending' | 'verified'> {
  const row = await findDomainByName(db, domain.trim().toLowerCase());
  if (!row) return 'none';
  return row.verification_status === 'pending' ? 'pending' : 'verified';
}
