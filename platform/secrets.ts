import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from './errors';

/**
 * Secrets at rest (migration source passwords, admin credentials, token commands): AES-256-GCM with
 * the platform key (config.secretKey). A sealed value is one line of text:
 *
 *   pws1.<key id>.<iv>.<tag>.<ciphertext>      (base64url parts)
 *
 * - `pws1` is the format version, so the format can change without guessing;
 * - the key id is the first 8 hex digits of sha256(key): after a key rotation, values sealed with an
 *   older key are still opened when that key is passed as `previous`, and a value sealed with an unknown
 *   key fails with a clear message instead of a bare authentication error;
 * - the GCM tag authenticates the ciphertext and the optional `context` (additional authenticated data),
 *   so an edited value, or a value copied into another row (another context), does not open.
 */
const FORMAT = 'pws1';
/** 96-bit IVs are GCM's native size; random per seal, so one key may seal 2^32 values safely. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export interface SecretBox {
  /** Encrypts `plaintext`; `context` (e.g. `migration_projects:<id>`) must be given again to open it. */
  seal(plaintext: string, context?: string): string;
  /** Decrypts a sealed value; throws AppError('internal') when it was tampered with or the key is unknown. */
  open(sealed: string, context?: string): string;
  /** True when the value looks sealed by this module (any key). */
  isSealed(value: string): boolean;
}

const b64 = (b: Buffer): string => b.toString('base64url');

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  checkKey(current);
  previous.forEach(checkKey);
  const currentId = keyId(current);
  const keys = new Map<string, Buffer>([[currentId, current], ...previous.map((k) => [keyId(k), k] as [string, Buffer])]);
  const broken = (why: string) => new AppError('internal', `sealed secret cannot be opened: ${why}`);

  return {
    seal(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, currentId, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
    },
    open(sealed, context = '') {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== FORMAT) throw broken('not a sealed value of a known format');
      const [, id, ivText, tagText, ctText] = parts as [string, string, string, string, string];
      const key = keys.get(id);
      if (!key) throw broken(`sealed with key ${id}, which this process does not have (POSTWERK_SECRET_KEY changed?)`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw broken('malformed value');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw broken('authentication failed (value or context altered)');
      }
    },
    isSealed(value) {
      return value.startsWith(`${FORMAT}.`) && value.split('.').length === 5;
    },
  };
}
