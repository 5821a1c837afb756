import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/bcrypt';
import { AppError } from './errors';

/**
 * Account and staff passwords are bcrypt hashes stored with Dovecot's scheme prefix {BLF-CRYPT},
 * so Dovecot verifies account logins itself and Postwerk never keeps a password it could read back.
 *
 * bcrypt is @node-rs/bcrypt, native code on libuv's thread pool: a hash takes tens of milliseconds on
 * purpose, and on the event loop (bcryptjs) a few hundred sign-in attempts would stall every request of
 * the process. It writes $2b$ hashes and verifies the $2a$/$2b$/$2y$ ones bcryptjs and Dovecot write.
 */
export const PASSWORD_SCHEME = '{BLF-CRYPT}';
export const MIN_PASSWORD_LENGTH = 10;
/** bcrypt reads at most 72 bytes; a longer password would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;

export async function hashPassword(password: string, cost: number): Promise<string> {
  return PASSWORD_SCHEME + (await hash(password, cost));
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!stored.startsWith(PASSWORD_SCHEME)) return false;
  try {
    return await verify(password, stored.slice(PASSWORD_SCHEME.length));
  } catch {
    // a stored value that is not a bcrypt hash matches no password
    return false;
  }
}

/** One dummy hash per cost, made once per process from a random password nobody knows. */
const dummyHashes = new Map<number, Promise<string>>();

/**
 * Checks a password against the stored hash, or, when there is no user (unknown address, disabled),
 * against a dummy hash of the same cost, so that both answers take as long as a wrong password.
 */
export async function verifyPasswordOrDummy(password: string, stored: string | null, cost: number): Promise<boolean> {
  if (stored !== null) return verifyPassword(password, stored);
  let dummy = dummyHashes.get(cost);
  if (!dummy) {
    dummy = hashPassword(randomBytes(18).toString('base64'), cost);
    dummyHashes.set(cost, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}

/** Says what is wrong with a password, or null when it is acceptable. */
export function passwordProblem(password: string, context: string[] = []): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return `must be at most ${MAX_PASSWORD_BYTES} bytes`;
  if (/^(.)\1+$/.test(password)) return 'must not repeat one character';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 2 && password.length < 16) return 'must mix letters with digits or symbols, or be at least 16 characters';
  const lower = password.toLowerCase();
  for (const word of context) {
    if (word.length >= 3 && lower.includes(word.toLowerCase())) return 'must not contain the address or the name';
  }
  if (/^(password|passwort|123456|qwerty|letmein|welcome)/i.test(password)) return 'is too common';
  return null;
}

export function assertStrongPassword(password: string, context: string[] = []): void {
  const problem = passwordProblem(password, context);
  if (problem) throw new AppError('validation_failed', `password ${problem}`, [{ path: 'password', message: problem }]);
}
