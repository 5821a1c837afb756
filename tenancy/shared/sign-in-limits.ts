import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { AppError } from '../../platform/errors';
import {
  SIGN_IN_DELAY_STEP_MS,
  SIGN_IN_FREE_FAILURES,
  SIGN_IN_MAX_DELAY_MS,
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
  SIGN_IN_MAX_FAILURES_PER_ADDRESS,
  SIGN_IN_WINDOW_SECONDS,
} from '../limits';

/**
 * Per-account and per-address brakes on staff sign-in, in Redis so that every API process counts the same
 * failures. An attempt reserves one failure on both counters before bcrypt runs (atomically, in one
 * script), so parallel requests cannot run more guesses than the limit; a success gives them back.
 * Counters live SIGN_IN_WINDOW_SECONDS from the first failure; reaching a limit starts the full lock.
 */
const KEY_PREFIX = 'postwerk:sign-in';
/** IPv6 clients get a /56 or more: counting single addresses would let one client rotate through them. */
const IPV6_SUBNET = 56;

export interface SignInLimitKeys {
  account: string;
  address: string;
}

/** The Redis keys of one attempt: the account by a hash of the typed address (no addresses in Redis). */
export function signInLimitKeys(email: string, clientAddress: string | undefined): SignInLimitKeys {
  const account = createHash('sha256').update(email.toLowerCase()).digest('hex');
  const address = clientAddress ? ipKeyGenerator(clientAddress, IPV6_SUBNET) : 'unknown';
  return { account: `${KEY_PREFIX}:account:${account}`, address: `${KEY_PREFIX}:address:${address}` };
}

// KEYS: account, address; ARGV: account limit, address limit, window seconds.
// Answers {0, accountCount, accountTtl, addressCount, addressTtl} when locked, else {1, accountCount}.
const RESERVE = `
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
local b = tonumber(redis.call('GET', KEYS[2]) or '0')
local maxA, maxB, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if a >= maxA or b >= maxB then
  return {0, a, redis.call('TTL', KEYS[1]), b, redis.call('TTL', KEYS[2])}
end
a = redis.call('INCR', KEYS[1])
b = redis.call('INCR', KEYS[2])
if a == 1 or a == maxA or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], window) end
if b == 1 or b == maxB or redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], window) end
return {1, a}
`;

// A success clears the account's failures and gives back the address's reserved one.
const SUCCEED = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and tonumber(redis.call('GET', KEYS[2])) > 0 then redis.call('DECR', KEYS[2]) end
return 1
`;

// Gives back the reserved failure on both counters without clearing the account's earlier ones.
const RELEASE = `
for i = 1, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 and tonumber(redis.call('GET', KEYS[i])) > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

export interface SignInAttempt {
  /** the attempt's number among this account's failures in the window (1 = the first) */
  failuresSoFar: number;
  succeeded(): Promise<void>;
  /**
   * Neither a failure nor a success: the right password of an account with a second factor, sent
   * without a code. The reserved failure is given back, but earlier failures stay counted (a success
   * would clear them, and an attacker who knows the password could reset the count between code guesses).
   */
  released(): Promise<void>;
  /** waits the growing delay; the caller then answers 401 */
  failed(): Promise<void>;
}

const lockMinutes = Math.round(SIGN_IN_WINDOW_SECONDS / 60);

function unavailable(err: unknown): AppError {
  return new AppError('unavailable', 'sign-in is unavailable: its limit store (Redis) does not answer', undefined, {
    cause: err,
    retryAfterSeconds: 5,
  });
}

/** Reserves one attempt, or throws sign_in_locked (429, retryAfterSeconds) before any bcrypt runs. */
export async function beginSignInAttempt(redis: Redis, email: string, clientAddress: string | undefined): Promise<SignInAttempt> {
  const keys = signInLimitKeys(email, clientAddress);
  let answer: number[];
  try {
    answer = (await redis.eval(
      RESERVE,
      2,
      keys.account,
      keys.address,
      SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
      SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      SIGN_IN_WINDOW_SECONDS,
    )) as number[];
  } catch (e) {
    throw unavailable(e);
  }
  if (answer[0] === 0) {
    const [, accountCount = 0, accountTtl = 0, addressCount = 0, addressTtl = 0] = answer;
    const byAccount = accountCount >= SIGN_IN_MAX_FAILURES_PER_ACCOUNT;
    const byAddress = addressCount >= SIGN_IN_MAX_FAILURES_PER_ADDRESS;
    const retryAfterSeconds = Math.max(1, byAccount ? accountTtl : 0, byAddress ? addressTtl : 0);
    const why = byAccount ? 'too many wrong passwords for this account' : 'too many failed sign-ins from your network address';
    throw new AppError(
      'sign_in_locked',
      `${why}: sign-in is locked for ${lockMinutes} minutes (try again in ${Math.ceil(retryAfterSeconds / 60)} min)`,
      { retryAfterSeconds },
      { retryAfterSeconds },
    );
  }
  const failuresSoFar = answer[1] ?? 1;
  return {
    failuresSoFar,
    async succeeded() {
      try {
        await redis.eval(SUCCEED, 2, keys.account, keys.address);
      } catch (e) {
        throw unavailable(e);
      }
    },
    async released() {
      try {
        await redis.eval(RELEASE, 2, keys.account, keys.address);
      } catch (e) {
        throw unavailable(e);
      }
    },
    async failed() {
      const ms = Math.min(SIGN_IN_MAX_DELAY_MS, SIGN_IN_DELAY_STEP_MS * (failuresSoFar - SIGN_IN_FREE_FAILURES));
      if (ms > 0) await sleep(ms);
    },
  };
}
