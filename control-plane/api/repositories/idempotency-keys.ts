import type { Knex } from 'knex';

/** The API's idempotency keys (table idempotency_keys): status 0 while the request runs. */
export interface IdempotencyRow {
  principal: string;
  key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: string;
}

export async function deleteExpiredKey(q: Knex, principal: string, key: string, cutoff: string): Promise<void> {
  await q('idempotency_keys').where({ principal, key }).andWhere('created_at', '<', cutoff).delete();
}

/** Every record older than `cutoff` (the sweep). */
export async function deleteExpiredKeys(q: Knex, cutoff: string): Promise<number> {
  return q('idempotency_keys').where('created_at', '<', cutoff).delete();
}

/** Throws a unique violation when the key is held already. */
export async function insertKey(q: Knex, row: IdempotencyRow): Promise<void> {
  await q('idempotency_keys').insert(row);
}

export async function findKey(q: Knex, principal: string, key: string): Promise<IdempotencyRow | undefined> {
  return q<IdempotencyRow>('idempotency_keys').where({ principal, key }).first();
}

export async function storeAnswer(q: Knex, principal: string, key: string, status: number, response: string): Promise<void> {
  await q('idempotency_keys').where({ principal, key }).update({ status, response });
}

export async function deleteReservedKey(q: Knex, principal: string, key: string): Promise<void> {
  await q('idempotency_keys').where({ principal, key, status: 0 }).delete();
}
