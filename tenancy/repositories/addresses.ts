import type { Knex } from 'knex';
import { isUniqueViolation, nowIso } from '../../platform/db';
import { conflict } from '../../platform/errors';

/**
 * The platform-wide address namespace (table mail_addresses): accounts and aliases both claim their
 * address here, and the primary key refuses a second claim, whichever table it comes from.
 */
export interface AddressClaim {
  address: string;
  tenant_id: string;
  kind: 'account' | 'alias';
  owner_id: string;
}

export async function findAddress(q: Knex, address: string): Promise<AddressClaim | undefined> {
  return q<AddressClaim>('mail_addresses').where({ address }).first();
}

/** Throws 409 naming the address when it is taken (by an account, an alias, or an account being deleted). */
export async function claimAddress(q: Knex, claim: AddressClaim): Promise<void> {
  const existing = await findAddress(q, claim.address);
  if (existing) throw addressTaken(claim.address);
  try {
    // a savepoint, so that on PostgreSQL a lost race does not abort the caller's whole transaction
    await q.transaction((sp) => sp('mail_addresses').insert({ ...claim, created_at: nowIso() }));
  } catch (e) {
    if (isUniqueViolation(e)) throw addressTaken(claim.address);
    throw e;
  }
}

export const addressTaken = (address: string) =>
  conflict(`address ${address} is already in use`, [{ path: 'address', message: `${address} is already in use` }]);

export async function moveAddress(q: Knex, from: string, to: AddressClaim): Promise<void> {
  await claimAddress(q, to);
  await releaseAddress(q, from);
}

export async function releaseAddress(q: Knex, address: string): Promise<void> {
  await q('mail_addresses').where({ address }).delete();
}

/** The claims of many addresses at once (directory sync looks up a page of entries in one query). */
export async function findAddresses(q: Knex, addresses: string[]): Promise<AddressClaim[]> {
  if (!addresses.length) return [];
  return q<AddressClaim>('mail_addresses').whereIn('address', addresses).select('address', 'tenant_id', 'kind', 'owner_id');
}
