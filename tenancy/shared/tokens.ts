import { createHash, randomBytes } from 'node:crypto';

/**
 * API tokens and session tokens are 32 random bytes: high entropy, so a fast sha256 at rest is enough
 * (no bcrypt needed) and lets a request find its token by an indexed lookup.
 */
export const TOKEN_PREFIX = 'pwk_';
export const SESSION_COOKIE = 'pw_session';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
