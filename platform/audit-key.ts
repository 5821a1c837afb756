import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The audit chain's key: HKDF-SHA256 of the platform key with a label of its own, so that it is never
 * the key that seals secrets, and it lives where the platform key lives (POSTWERK_SECRET_KEY or the state
 * folder's secret.key), never in the database. Its id (8 hex digits of an HMAC under the key, which says
 * nothing about the key) is stored in each entry, so that entries keyed before a rotation are verified
 * with the key they were keyed with (POSTWERK_PREVIOUS_SECRET_KEYS).
 */
export interface AuditKey {
  id: string;
  key: Buffer;
}

export interface AuditSettings {
  /** current first; the others only verify */
  keys: AuditKey[];
  /** the append-only file of daily chain heads, outside the database */
  headsFile: string;
}

const AUDIT_KEY_INFO = 'postwerk audit chain v1';
const AUDIT_KEY_BYTES = 32;

export function auditKeyFrom(platformKey: Buffer): AuditKey {
  const key = Buffer.from(hkdfSync('sha256', platformKey, Buffer.alloc(0), AUDIT_KEY_INFO, AUDIT_KEY_BYTES));
  return { id: createHmac('sha256', key).update('postwerk audit key id').digest('hex').slice(0, 8), key };
}
