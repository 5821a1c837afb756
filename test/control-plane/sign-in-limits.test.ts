import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import bcryptjs from 'bcryptjs';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { systemActor } from '../../platform/actor';
import { ConfigError, loadConfig, type Config } from '../../platform/config';
import { withActor, type Services } from '../../platform/context';
import { SIGN_IN_MAX_FAILURES_PER_ACCOUNT, SIGN_IN_MAX_FAILURES_PER_ADDRESS } from '../../tenancy/limits';
import { signInLimitKeys } from '../../tenancy/shared/sign-in-limits';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { uniq } from '../support/env';
import { harnessConfig, strongPassword } from './harness';

/**
 * Brute force of staff sign-in (issue 12, item 1) against the real Redis and database: the per-account
 * and per-address limits, the lock's answer, trust proxy, two API processes sharing Redis, and the
 * same work for an unknown address as for a wrong password.
 */
// the module object itself (an `import * as` would be a copy): spies on it see platform/passwords.ts's calls
const nativeBcrypt = require('@node-rs/bcrypt') as typeof import('@node-rs/bcrypt');

type Instance = { services: Services & { close(): Promise<void> }; server: Server; url: string };

const started: Instance[] = [];
/** Every e-mail address and client address this file signs in with: afterEach deletes their counters. */
const emails = new Set<string>();
const clients = new Set<string>(['127.0.0.1']);

async function startInstance(trustProxy: Config['api']['trustProxy']): Promise<Instance> {
  const base = harnessConfig();
  const services = createServices({ ...base, api: { ...base.api, trustProxy } });
  const server = createApiApp(services).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const inst = { services, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  started.push(inst);
  return inst;
}

async function makeStaff(services: Services) {
  const email = `${uniq('signin')}@staff.test`.toLowerCase();
  const password = strongPassword();
  await createStaffUser(withActor(services, systemActor('sign-in-test')), {
    email,
    name: 'Sign In',
    role: 'operator',
    tenantId: null,
    password,
  });
  emails.add(email);
  return { email, password };
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: { code: string; message: string; details: { retryAfterSeconds?: number } | null }; label?: string };
}

async function signIn(inst: Instance, email: string, password: string, forwardedFor?: string): Promise<Answer> {
  emails.add(email.toLowerCase());
  if (forwardedFor) clients.add(forwardedFor);
  const res = await fetch(`${inst.url}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

/** Runs the attempts `width` at a time (parallel requests must not get more guesses than the limit). */
async function inBatches<T>(n: number, width: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => one(i + j)))));
  }
  return out;
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

async function counter(services: Services, key: string): Promise<number | null> {
  const v = await services.redis.get(key);
  return v === null ? null : Number(v);
}

async function deleteCounters(services: Services) {
  const keys = [
    ...[...emails].map((e) => signInLimitKeys(e, undefined).account),
    ...[...clients].map((c) => signInLimitKeys('', c).address),
  ];
  await services.redis.del(...new Set(keys));
}

describe('staff sign-in limits', () => {
  let direct: Instance;
  let proxied: Instance;
  let other: Instance;

  beforeAll(async () => {
    direct = await startInstance(0);
    proxied = await startInstance(1);
    other = await startInstance(0);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await deleteCounters(direct.services);
  });
  afterAll(async () => {
    await deleteCounters(direct.services);
    for (const inst of started) {
      await new Promise((resolve) => inst.server.close(resolve));
      await inst.services.close();
    }
  });

  it('locks an account after 10 wrong passwords from many claimed X-Forwarded-For addresses, and says so', async () => {
    const staff = await makeStaff(direct.services);
    const socketKey = signInLimitKeys(staff.email, '127.0.0.1').address;
    const before = (await counter(direct.services, socketKey)) ?? 0;
    // trust proxy 0: the claimed addresses are ignored, every attempt counts for the socket's address
    const answers = await inBatches(200, 50, (i) => signIn(direct, staff.email, `wrong-${i}-Password!`, `10.9.${i >> 8}.${i & 255}`));

    expect(count(answers, 401)).toBe(SIGN_IN_MAX_FAILURES_PER_ACCOUNT);
    expect(count(answers, 429)).toBe(200 - SIGN_IN_MAX_FAILURES_PER_ACCOUNT);
    for (const a of answers.filter((x) => x.status === 401)) expect(a.body.error?.code).toBe('unauthenticated');
    const locked = answers.find((a) => a.status === 429)!;
    expect(locked.body.error?.code).toBe('sign_in_locked');
    expect(locked.body.error?.message).toMatch(/locked for 15 minutes/);
    const retry = locked.body.error?.details?.retryAfterSeconds ?? 0;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(Number(locked.retryAfter)).toBe(retry);

    // the per-address counter is the socket's, not any claimed address
    expect(await counter(direct.services, socketKey)).toBe(before + SIGN_IN_MAX_FAILURES_PER_ACCOUNT);
    expect(await counter(direct.services, signInLimitKeys(staff.email, '10.9.0.7').address)).toBeNull();

    // the right password is refused while locked, and no bcrypt runs for it
    const verify = jest.spyOn(nativeBcrypt, 'verify');
    const right = await signIn(direct, staff.email, staff.password, '10.9.9.9');
    expect(right.status).toBe(429);
    expect(right.body.error?.code).toBe('sign_in_locked');
    expect(verify).not.toHaveBeenCalled();
  });

  it('with POSTWERK_TRUST_PROXY=1 counts failures per forwarded client address', async () => {
    const staff = await makeStaff(proxied.services);
    const attacker = '203.0.113.7';
    const socketKey = signInLimitKeys(staff.email, '127.0.0.1').address;
    const socketBefore = await counter(proxied.services, socketKey);
    // one failure at each of 100 addresses: no account reaches its limit, the client address does
    const sprayed = await inBatches(SIGN_IN_MAX_FAILURES_PER_ADDRESS, 50, (i) =>
      signIn(proxied, `${uniq('nobody')}-${i}@staff.test`, 'wrong-Password-1', attacker),
    );
    expect(count(sprayed, 401)).toBe(SIGN_IN_MAX_FAILURES_PER_ADDRESS);

    const fromAttacker = await signIn(proxied, staff.email, staff.password, attacker);
    expect(fromAttacker.status).toBe(429);
    expect(fromAttacker.body.error?.code).toBe('sign_in_locked');
    expect(fromAttacker.body.error?.message).toMatch(/network address: sign-in is locked for 15 minutes/);
    expect(Number(fromAttacker.retryAfter)).toBeGreaterThan(0);

    // another forwarded client, through the same proxy socket, is not locked out
    const fromElsewhere = await signIn(proxied, staff.email, staff.password, '203.0.113.8');
    expect(fromElsewhere.status).toBe(200);
    expect(fromElsewhere.body.label).toBe(staff.email);
    expect(await counter(proxied.services, socketKey)).toBe(socketBefore);
  });

  it('holds the lock across two API processes sharing Redis; a success clears the account counter', async () => {
    const locked = await makeStaff(direct.services);
    const failures = await inBatches(SIGN_IN_MAX_FAILURES_PER_ACCOUNT, 10, (i) => signIn(direct, locked.email, `wrong-${i}-Password!`));
    expect(count(failures, 401)).toBe(SIGN_IN_MAX_FAILURES_PER_ACCOUNT);
    const elsewhere = await signIn(other, locked.email, locked.password);
    expect(elsewhere.status).toBe(429);
    expect(elsewhere.body.error?.code).toBe('sign_in_locked');

    // one short of the limit on one process, the right password on the other: the count starts again
    const staff = await makeStaff(direct.services);
    const key = signInLimitKeys(staff.email, '127.0.0.1').account;
    for (let round = 0; round < 2; round++) {
      const wrong = await inBatches(SIGN_IN_MAX_FAILURES_PER_ACCOUNT - 1, 10, (i) => signIn(direct, staff.email, `wrong-${i}-Password!`));
      expect(count(wrong, 401)).toBe(SIGN_IN_MAX_FAILURES_PER_ACCOUNT - 1);
      expect(await counter(direct.services, key)).toBe(SIGN_IN_MAX_FAILURES_PER_ACCOUNT - 1);
      expect((await signIn(other, staff.email, staff.password)).status).toBe(200);
      expect(await counter(direct.services, key)).toBeNull();
    }
  });

  it('answers an unknown address like a wrong password: same 401, same bcrypt work, same lock', async () => {
    const staff = await makeStaff(direct.services);
    const verify = jest.spyOn(nativeBcrypt, 'verify');
    const wrong = await signIn(direct, staff.email, 'wrong-Password-1');
    const unknownEmail = `${uniq('nobody')}@staff.test`;
    const unknown = await signIn(direct, unknownEmail, 'wrong-Password-1');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toEqual(wrong.body.error);
    // both compared the password against a hash of the configured cost
    expect(verify).toHaveBeenCalledTimes(2);
    const cost = `$2b$${String(harnessConfig().passwordCost).padStart(2, '0')}$`;
    for (const [, hash] of verify.mock.calls) expect(String(hash).startsWith(cost)).toBe(true);
    verify.mockRestore();

    // an unknown address locks like a known one, so the lock does not tell them apart either
    await inBatches(SIGN_IN_MAX_FAILURES_PER_ACCOUNT - 1, 10, (i) => signIn(direct, unknownEmail, `wrong-${i}-Password!`));
    const after = await signIn(direct, unknownEmail, 'wrong-Password-1');
    expect(after.status).toBe(429);
    expect(after.body.error?.code).toBe('sign_in_locked');
  });

  it('still signs in staff whose hashes bcryptjs wrote ($2a$, $2b$)', async () => {
    for (const prefix of ['$2a$', '$2b$']) {
      const staff = await makeStaff(direct.services);
      const hash = bcryptjs.hashSync(staff.password, 4).replace(/^\$2[aby]\$/, prefix);
      await direct.services
        .db('staff_users')
        .where({ email: staff.email })
        .update({ password_hash: `{BLF-CRYPT}${hash}` });
      expect((await signIn(direct, staff.email, staff.password)).status).toBe(200);
      expect((await signIn(direct, staff.email, 'wrong-Password-1')).status).toBe(401);
    }
  });
});

describe('POSTWERK_TRUST_PROXY', () => {
  const env = (value?: string) => ({
    POSTWERK_HOME: '/nonexistent/postwerk-config-test',
    POSTWERK_SECRET_KEY: 'ab'.repeat(32),
    ...(value !== undefined ? { POSTWERK_TRUST_PROXY: value } : {}),
  });
  const problem = (value: string) => {
    try {
      loadConfig(env(value));
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.join('\n');
      throw e;
    }
    return null;
  };

  it('refuses "trust every proxy" and anything that is not a hop count or a proxy list', () => {
    expect(problem('true')).toMatch(/^POSTWERK_TRUST_PROXY="true": trusting every X-Forwarded-For is refused/);
    for (const v of ['yes', 'TRUE', '*', 'all']) expect(problem(v)).toMatch(/trusting every X-Forwarded-For is refused/);
    for (const v of ['11', 'proxy.example', '10.0.0.0/33', '', '10.0.0.5,']) expect(problem(v)).toMatch(/^POSTWERK_TRUST_PROXY=/);
  });

  it('takes a hop count or a list of proxy addresses; default 0 (no proxy)', () => {
    expect(loadConfig(env()).api.trustProxy).toBe(0);
    expect(loadConfig(env('2')).api.trustProxy).toBe(2);
    expect(loadConfig(env('10.0.0.5, 10.0.0.0/24,loopback,::1')).api.trustProxy).toEqual(['10.0.0.5', '10.0.0.0/24', 'loopback', '::1']);
  });
});
