import { createHmac } from 'node:crypto';
import { canonicalJson } from '../../platform/audit';
import type { Db } from '../../platform/db';
import { isUniqueViolation } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { deleteExpiredKey, deleteExpiredKeys, deleteReservedKey, findKey, insertKey, storeAnswer } from './repositories/idempotency-keys';

/**
 * Idempotency keys on creating requests: the key is reserved before the command runs (status 0),
 * the answer stored after it, and a retry with the same key and the same request gets the stored
 * answer; the same key with a different request is refused. A failed request frees its key.
 *
 * What is kept of the request is a keyed hash (HMAC with a key derived from the platform key, which is
 * not in the database) of its canonical JSON with every secret field left out: a creating request may
 * carry a plaintext password, and a plain SHA-256 of it would be a guessable copy kept in the database.
 * Records older than IDEMPOTENCY_TTL_MS are deleted (a sweep at most every SWEEP_EVERY_MS per process,
 * run by the requests that create records: an API that takes no requests writes none).
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 10 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** Field names whose values are secrets: left out of what is hashed (e.g. password, sourcePassword, bindPassword, secret, token). */
const SECRET_FIELD = /pass(word|phrase)?$|secret|token|credential|apikey/i;

/** The request without its secret fields, at any depth. */
export function withoutSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSecrets);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !SECRET_FIELD.test(k))
        .map(([k, x]) => [k, withoutSecrets(x)]),
    );
  return v;
}

export function requestDigest(secretKey: Buffer, request: unknown): string {
  const key = createHmac('sha256', secretKey).update('postwerk idempotency request v1').digest();
  return createHmac('sha256', key)
    .update(canonicalJson(withoutSecrets(request)))
    .digest('hex');
}

let lastSweep = 0;

export type Reservation = { replay: { status: number; body: unknown } } | { reserved: true };

export async function reserveKey(db: Db, secretKey: Buffer, principal: string, key: string, request: unknown): Promise<Reservation> {
  if (!KEY_PATTERN.test(key)) throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 200 printable ASCII characters');
  const requestHash = requestDigest(secretKey, request);
  const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString();
  if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
    lastSweep = Date.now();
    await deleteExpiredKeys(db, cutoff);
  } else await deleteExpiredKey(db, principal, key, cutoff);
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
