import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db';
import { isUniqueViolation } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { deleteExpiredKey, deleteReservedKey, findKey, insertKey, storeAnswer } from './repositories/idempotency-keys';

/**
 * Idempotency keys on creating requests: the key is reserved before the command runs (status 0),
 * the answer stored after it, and a retry with the same key and the same request gets the stored
 * answer; the same key with a different request is refused. A failed request frees its key.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export type Reservation = { replay: { status: number; body: unknown } } | { reserved: true };

export async function reserveKey(db: Db, principal: string, key: string, request: unknown): Promise<Reservation> {
  if (!KEY_PATTERN.test(key)) throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 200 printable ASCII characters');
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString();
  await deleteExpiredKey(db, principal, key, cutoff);
  try {
    await insertKey(db, {
      principal,
      key,
      request_hash: requestHash,
      status: 0,
      response: '',
      created_at: new Date().toISOString(),
    });
    return { reserved: true };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  const row = await findKey(db, principal, key);
  if (!row) throw new AppError('conflict', 'a request with this Idempotency-Key just finished; retry');
  if (row.request_hash !== requestHash) {
    throw new AppError('idempotency_mismatch', 'this Idempotency-Key was used for a different request');
  }
  if (row.status === 0) throw new AppError('conflict', 'a request with this Idempotency-Key is still in progress');
  return { replay: { status: row.status, body: JSON.parse(row.response) } };
}

export async function completeKey(db: Db, principal: string, key: string, status: number, body: unknown): Promise<void> {
  await storeAnswer(db, principal, key, status, JSON.stringify(body ?? null));
}

export async function releaseKey(db: Db, principal: string, key: string): Promise<void> {
  await deleteReservedKey(db, principal, key);
}
