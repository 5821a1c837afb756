import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { Secret, TOTP } from 'otpauth';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { systemActor, type Role } from '../../platform/actor';
import { ConfigError, loadConfig } from '../../platform/config';
import { withActor, type Services } from '../../platform/context';
import { createSecretBox } from '../../platform/secrets';
import { RECOVERY_CODE_COUNT, SIGN_IN_MAX_FAILURES_PER_ACCOUNT } from '../../tenancy/limits';
import { signInLimitKeys } from '../../tenancy/shared/sign-in-limits';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { uniq } from '../support/env';
import { api, auth, harnessConfig, makeTenant, strongPassword, tokenFor } from './harness';

/**
 * The staff second factor (issue 12, item 2) against the real database and Redis: TOTP enrolment with a
 * QR code, the sign-in step with codes that cannot be replayed, recovery codes that work once, the
 * requirement per role, disabling, the operator's reset (API and CLI), and changing one's own password.
 */
const REQUIRED: Role[] = ['operator', 'support'];
let services: Services & { close(): Promise<void> };
let app: Express;
const emails = new Set<string>();
/** how supertest's requests reach the app: IPv4 or IPv4-mapped IPv6 loopback */
const CLIENTS = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];

beforeAll(() => {
  services = createServices({ ...harnessConfig(), secondFactorRequiredRoles: REQUIRED });
  app = createApiApp(services);
});

afterEach(async () => {
  // the sign-in counters this file left (wrong codes count like wrong passwords)
  const keys = [...emails].flatMap((e) => CLIENTS.map((c) => signInLimitKeys(e, c))).flatMap((k) => [k.account, k.address]);
  if (keys.length) await services.redis.del(...new Set(keys));
});

afterAll(() => services.close());

async function makeStaff(role: Role, tenantId: string | null = null) {
  const email = `${uniq('tfa')}@staff.test`.toLowerCase();
  const password = strongPassword();
  const user = await createStaffUser(withActor(services, systemActor('second-factor-test')), {
    email,
    name: 'Two Factor',
    role,
    tenantId,
    password,
  });
  emails.add(email);
  return { id: user.id, email, password };
}

interface SignInAnswer {
  status: number;
  code: string | undefined;
  cookie: string | undefined;
  body: Record<string, unknown>;
}

async function signIn(body: Record<string, unknown>): Promise<SignInAnswer> {
  const res = await api(app).post('/api/v1/auth/session').send(body);
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .find((c) => c?.startsWith('pw_session=') && c.length > 'pw_session='.length);
  return { status: res.status, code: res.body?.error?.code, cookie, body: res.body };
}

async function signedIn(who: { email: string; password: string }): Promise<string> {
  const r = await signIn({ email: who.email, password: who.password });
  if (r.status !== 200 || !r.cookie) throw new Error(`sign-in answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.cookie;
}

/** The code of the authenticator app `steps` time steps from now. */
function codeOf(secret: string, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + steps * 30_000,
  });
}

/** A wrong code: any code other than those the window around now accepts. */
function wrongCodeOf(secret: string): string {
  const near = new Set([-1, 0, 1].map((s) => codeOf(secret, s)));
  for (let i = 0; ; i++) {
    const c = String((Number(codeOf(secret)) + 1 + i * 7919) % 1_000_000).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}

/**
 * Waits until the current time step has at least `seconds` left, so that a test's codes of "this step"
 * and "the next step" stay what they were when it made them.
 */
async function freshStep(seconds = 12): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 100));
}

/** Signs in, enrols and confirms a second factor; the confirming code takes the current time step. */
async function enrolled(role: Role) {
  const who = await makeStaff(role);
  const cookie = await signedIn(who);
  const start = await api(app).post('/api/v1/auth/second-factor/enrolment').set('Cookie', cookie);
  expect(start.status).toBe(201);
  const secret = start.body.secret as string;
  const confirm = await api(app)
    .post('/api/v1/auth/second-factor/enrolment/confirm')
    .set('Cookie', cookie)
    .send({ totp: codeOf(secret) });
  expect(confirm.status).toBe(200);
  return { ...who, cookie, secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

const auditOf = (targetId: string, action: string) =>
  services.db('audit_log').where({ target_id: targetId, action }).orderBy('id') as Promise<
    { actor_id: string; before: string | null; after: string | null }[]
  >;

describe(`second factor for staff (${harnessConfig().db.client})`, () => {
  it('POSTWERK_2FA_REQUIRED_ROLES: operators and support by default, none, or a list of roles; an unknown role is refused', () => {
    const env = { POSTWERK_HOME: os.tmpdir(), POSTWERK_SECRET_KEY: randomBytes(32).toString('hex') };
    expect(loadConfig(env).secondFactorRequiredRoles).toEqual(['operator', 'support']);
    expect(loadConfig({ ...env, POSTWERK_2FA_REQUIRED_ROLES: 'none' }).secondFactorRequiredRoles).toEqual([]);
    expect(loadConfig({ ...env, POSTWERK_2FA_REQUIRED_ROLES: 'operator, tenant_admin' }).secondFactorRequiredRoles).toEqual([
      'operator',
      'tenant_admin',
    ]);
    expect(() => loadConfig({ ...env, POSTWERK_2FA_REQUIRED_ROLES: 'operator,admin' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, POSTWERK_2FA_REQUIRED_ROLES: 'operator,admin' })).toThrow(/POSTWERK_2FA_REQUIRED_ROLES.*"admin"/);
  });

  it('an operator without a second factor signs in, but may only enrol, sign out and ask who they are', async () => {
    const op = await makeStaff('operator');
    const first = await signIn({ email: op.email, password: op.password });
    expect({ status: first.status, required: first.body.secondFactorEnrolmentRequired }).toEqual({ status: 200, required: true });
    const cookie = first.cookie!;

    const tenants = await api(app).get('/api/v1/tenants').set('Cookie', cookie);
    expect({ status: tenants.status, code: tenants.body.error?.code }).toEqual({ status: 403, code: 'second_factor_enrolment_required' });
    expect(tenants.body.error.message).toMatch(/auth\/second-factor\/enrolment/);
    const token = await api(app).post('/api/v1/tokens').set('Cookie', cookie).send({ name: 'dodge', role: 'operator' });
    expect({ status: token.status, code: token.body.error?.code }).toEqual({ status: 403, code: 'second_factor_enrolment_required' });
    const password = await api(app)
      .post('/api/v1/auth/password')
      .set('Cookie', cookie)
      .send({ currentPassword: op.password, newPassword: strongPassword() });
    expect(password.status).toBe(403);

    const me = await api(app).get('/api/v1/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: op.id, role: 'operator', secondFactorEnrolmentRequired: true });
    const status = await api(app).get('/api/v1/auth/second-factor').set('Cookie', cookie);
    expect(status.body).toEqual({ enrolled: false, enrolledAt: null, required: true, enrolmentPending: false, recoveryCodesLeft: 0 });

    // enrolment: a secret, its otpauth URI and the same as a QR code (an SVG data: URL)
    const start = await api(app).post('/api/v1/auth/second-factor/enrolment').set('Cookie', cookie);
    expect(start.status).toBe(201);
    const secret = start.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(start.body.otpauthUri as string);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Postwerk:${op.email}`);
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({
      secret,
      issuer: 'Postwerk',
      digits: '6',
      period: '30',
      algorithm: 'SHA1',
    });
    expect(start.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from((start.body.qrCode as string).split(',')[1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(/<path/);

    // not enrolled until confirmed: still refused; a wrong code does not confirm
    expect((await api(app).get('/api/v1/auth/second-factor').set('Cookie', cookie)).body).toMatchObject({
      enrolmentPending: true,
      enrolled: false,
    });
    expect((await api(app).get('/api/v1/tenants').set('Cookie', cookie)).status).toBe(403);
    const wrong = await api(app)
      .post('/api/v1/auth/second-factor/enrolment/confirm')
      .set('Cookie', cookie)
      .send({ totp: wrongCodeOf(secret) });
    expect({ status: wrong.status, code: wrong.body.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
    const bad = await api(app).post('/api/v1/auth/second-factor/enrolment/confirm').set('Cookie', cookie).send({ totp: 'abcdef' });
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'totp' })]);

    const confirm = await api(app)
      .post('/api/v1/auth/second-factor/enrolment/confirm')
      .set('Cookie', cookie)
      .send({ totp: codeOf(secret) });
    expect(confirm.status).toBe(200);
    const codes = confirm.body.recoveryCodes as string[];
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);

    // the same session may now do what an operator does
    expect((await api(app).get('/api/v1/tenants').set('Cookie', cookie)).status).toBe(200);
    expect((await api(app).get('/api/v1/auth/me').set('Cookie', cookie)).body.secondFactorEnrolmentRequired).toBe(false);
    expect((await api(app).get('/api/v1/auth/second-factor').set('Cookie', cookie)).body).toMatchObject({
      enrolled: true,
      required: true,
      recoveryCodesLeft: RECOVERY_CODE_COUNT,
    });
    // a second enrolment over an enrolled one is refused
    expect((await api(app).post('/api/v1/auth/second-factor/enrolment').set('Cookie', cookie)).status).toBe(409);

    // at rest: the secret sealed with the platform key for this row only, recovery codes as hashes
    const row = await services.db('staff_users').where({ id: op.id }).first();
    expect(row.totp_secret).toMatch(/^pws1\./);
    expect(row.totp_secret).not.toContain(secret);
    expect(row.totp_pending_secret).toBeNull();
    const box = createSecretBox(services.config.secretKey);
    expect(box.open(row.totp_secret, `staff_users.totp:${op.id}`)).toBe(secret);
    expect(() => box.open(row.totp_secret, 'staff_users.totp:someone-else')).toThrow(/authentication failed/);
    const stored = await services.db('staff_recovery_codes').where({ user_id: op.id });
    expect(stored).toHaveLength(RECOVERY_CODE_COUNT);
    const dump = JSON.stringify(stored);
    for (const c of codes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(c.replace(/-/g, ''));
    }

    expect(await auditOf(op.id, 'staff.second_factor.enrolment_started')).toHaveLength(1);
    const enabled = await auditOf(op.id, 'staff.second_factor.enabled');
    expect(enabled).toHaveLength(1);
    expect(enabled[0]!.actor_id).toBe(op.email);
    expect(JSON.stringify(enabled)).not.toContain(secret);
    expect(JSON.stringify(enabled)).not.toContain(codes[0]!);
  });

  it('an enrolment not confirmed within 15 minutes must be started again', async () => {
    const op = await makeStaff('operator');
    const cookie = await signedIn(op);
    const start = await api(app).post('/api/v1/auth/second-factor/enrolment').set('Cookie', cookie);
    expect(Date.parse(start.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    await services
      .db('staff_users')
      .where({ id: op.id })
      .update({ totp_pending_at: new Date(Date.now() - 16 * 60_000).toISOString() });
    const late = await api(app)
      .post('/api/v1/auth/second-factor/enrolment/confirm')
      .set('Cookie', cookie)
      .send({ totp: codeOf(start.body.secret) });
    expect({ status: late.status, code: late.body.error?.code }).toEqual({ status: 409, code: 'conflict' });
    expect(late.body.error.message).toMatch(/start again/);
    expect((await api(app).get('/api/v1/auth/second-factor').set('Cookie', cookie)).body).toMatchObject({
      enrolled: false,
      enrolmentPending: false,
    });
    // a fresh start works
    const again = await api(app).post('/api/v1/auth/second-factor/enrolment').set('Cookie', cookie);
    const ok = await api(app)
      .post('/api/v1/auth/second-factor/enrolment/confirm')
      .set('Cookie', cookie)
      .send({ totp: codeOf(again.body.secret) });
    expect(ok.status).toBe(200);
  });

  it('a role outside the list and an API token are not held up by the requirement', async () => {
    const { tenant } = await makeTenant(withActor(services, systemActor('second-factor-test')));
    const admin = await makeStaff('tenant_admin', tenant.id);
    const cookie = await signedIn(admin);
    expect((await api(app).get(`/api/v1/tenants/${tenant.id}/accounts`).set('Cookie', cookie)).status).toBe(200);
    const token = await tokenFor(withActor(services, systemActor('second-factor-test')), 'operator');
    expect((await api(app).get('/api/v1/tenants').set(auth(token))).status).toBe(200);
    // a token has no second factor of its own to enrol
    const start = await api(app).post('/api/v1/auth/second-factor/enrolment').set(auth(token));
    expect({ status: start.status, code: start.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
  });

  it('sign-in with a second factor: the password alone is not enough, a code is, and never the same code twice', async () => {
    await freshStep();
    const op = await enrolled('operator');
    const alone = await signIn({ email: op.email, password: op.password });
    expect({ status: alone.status, code: alone.code, cookie: alone.cookie }).toEqual({
      status: 401,
      code: 'second_factor_required',
      cookie: undefined,
    });
    // a code with a wrong password is still a wrong password
    const wrongPassword = await signIn({ email: op.email, password: 'Wrong-Pw-123!', totp: codeOf(op.secret, 1) });
    expect({ status: wrongPassword.status, code: wrongPassword.code }).toEqual({ status: 401, code: 'unauthenticated' });
    const wrong = await signIn({ email: op.email, password: op.password, totp: wrongCodeOf(op.secret) });
    expect({ status: wrong.status, code: wrong.code, cookie: wrong.cookie }).toEqual({
      status: 401,
      code: 'second_factor_invalid',
      cookie: undefined,
    });
    // the code that confirmed the enrolment is used: its time step is spent
    const confirmed = await signIn({ email: op.email, password: op.password, totp: codeOf(op.secret) });
    expect({ status: confirmed.status, code: confirmed.code }).toEqual({ status: 401, code: 'second_factor_invalid' });

    // the next step's code (the window allows one step of drift) opens a session that works
    const next = codeOf(op.secret, 1);
    const ok = await signIn({ email: op.email, password: op.password, totp: next });
    expect(ok.status).toBe(200);
    expect((await api(app).get('/api/v1/tenants').set('Cookie', ok.cookie!)).status).toBe(200);
    // the same code again, within its window: refused (a code seen over a shoulder is worth nothing)
    const replay = await signIn({ email: op.email, password: op.password, totp: next });
    expect({ status: replay.status, code: replay.code }).toEqual({ status: 401, code: 'second_factor_invalid' });
    // nor both at once
    const both = await signIn({ email: op.email, password: op.password, totp: next, recoveryCode: op.recoveryCodes[0] });
    expect(both.status).toBe(400);
  });

  it('a recovery code signs in once, in any case and with spaces, and its use is audited', async () => {
    const op = await enrolled('support');
    const [first, second] = op.recoveryCodes as [string, string];
    const typed = first.toUpperCase().replace(/-/g, ' ');
    const ok = await signIn({ email: op.email, password: op.password, recoveryCode: typed });
    expect(ok.status).toBe(200);
    const again = await signIn({ email: op.email, password: op.password, recoveryCode: first });
    expect({ status: again.status, code: again.code }).toEqual({ status: 401, code: 'second_factor_invalid' });
    // another user's recovery code is no code of this one
    const other = await enrolled('operator');
    const foreign = await signIn({ email: op.email, password: op.password, recoveryCode: other.recoveryCodes[0] });
    expect(foreign.status).toBe(401);
    expect((await signIn({ email: op.email, password: op.password, recoveryCode: second })).status).toBe(200);

    const used = await auditOf(op.id, 'staff.recovery_code_used');
    expect(used.map((u) => ({ actor: u.actor_id, after: JSON.parse(u.after!) }))).toEqual([
      { actor: op.email, after: { recoveryCodesLeft: RECOVERY_CODE_COUNT - 1 } },
      { actor: op.email, after: { recoveryCodesLeft: RECOVERY_CODE_COUNT - 2 } },
    ]);
    expect((await api(app).get('/api/v1/auth/second-factor').set('Cookie', ok.cookie!)).body.recoveryCodesLeft).toBe(
      RECOVERY_CODE_COUNT - 2,
    );
  });

  it('wrong codes count in the sign-in limit, and the password alone neither counts nor clears it', async () => {
    const op = await enrolled('operator');
    for (let i = 1; i < SIGN_IN_MAX_FAILURES_PER_ACCOUNT; i++) {
      const wrong = await signIn({ email: op.email, password: op.password, totp: wrongCodeOf(op.secret) });
      expect(wrong.code).toBe('second_factor_invalid');
      // the right password without a code between the guesses: a success would reset the count
      expect((await signIn({ email: op.email, password: op.password })).code).toBe('second_factor_required');
    }
    const last = await signIn({ email: op.email, password: op.password, totp: wrongCodeOf(op.secret) });
    expect(last.code).toBe('second_factor_invalid');
    const locked = await signIn({ email: op.email, password: op.password, totp: codeOf(op.secret, 1) });
    expect({ status: locked.status, code: locked.code }).toEqual({ status: 429, code: 'sign_in_locked' });
    expect(JSON.stringify(locked.body)).toMatch(/locked for 15 minutes/);
  }, 60_000);

  it('disabling the second factor takes the current password or a code; wrong ones are refused and counted', async () => {
    const op = await enrolled('operator');
    const disable = '/api/v1/auth/second-factor/disable';
    const wrong = await api(app).post(disable).set('Cookie', op.cookie).send({ password: 'Wrong-Pw-123!' });
    expect({ status: wrong.status, code: wrong.body.error?.code }).toEqual({ status: 403, code: 'reauthentication_failed' });
    const wrongCode = await api(app)
      .post(disable)
      .set('Cookie', op.cookie)
      .send({ totp: wrongCodeOf(op.secret) });
    expect({ status: wrongCode.status, code: wrongCode.body.error?.code }).toEqual({ status: 403, code: 'reauthentication_failed' });
    expect((await api(app).post(disable).set('Cookie', op.cookie).send({})).status).toBe(400);
    // the two wrong proofs are counted against the account like wrong passwords at sign-in
    expect(Number(await services.redis.get(signInLimitKeys(op.email, undefined).account))).toBe(2);
    expect((await auditOf(op.id, 'staff.second_factor.disabled')).length).toBe(0);

    const done = await api(app).post(disable).set('Cookie', op.cookie).send({ password: op.password });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ enrolled: false, required: true, recoveryCodesLeft: 0 });
    expect(JSON.parse((await auditOf(op.id, 'staff.second_factor.disabled'))[0]!.after!)).toEqual({ provedBy: 'password' });
    expect(await services.db('staff_recovery_codes').where({ user_id: op.id })).toHaveLength(0);
    // the password alone signs in again, and an operator must enrol again before anything else
    const back = await signIn({ email: op.email, password: op.password });
    expect(back.status).toBe(200);
    expect((await api(app).get('/api/v1/tenants').set('Cookie', back.cookie!)).body.error?.code).toBe('second_factor_enrolment_required');

    // by a code of the app
    const other = await enrolled('support');
    const byCode = await api(app)
      .post(disable)
      .set('Cookie', other.cookie)
      .send({ totp: codeOf(other.secret, 1) });
    expect(byCode.status).toBe(200);
    expect(JSON.parse((await auditOf(other.id, 'staff.second_factor.disabled'))[0]!.after!)).toEqual({ provedBy: 'totp' });
  });

  it('an operator resets a staff user who lost the app and the codes (API and CLI): their sessions end, they sign in with the password', async () => {
    const opToken = await tokenFor(withActor(services, systemActor('second-factor-test')), 'operator');
    const lost = await enrolled('support');
    const res = await api(app).post(`/api/v1/staff/${lost.id}/second-factor/reset`).set(auth(opToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: lost.id, secondFactor: false });
    expect((await api(app).get('/api/v1/auth/me').set('Cookie', lost.cookie)).status).toBe(401);
    expect((await signIn({ email: lost.email, password: lost.password })).status).toBe(200);
    expect(await auditOf(lost.id, 'staff.second_factor.reset')).toHaveLength(1);

    // the CLI, on the operator's machine
    const viaCli = await enrolled('operator');
    const r = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../../bin/postwerk'), 'staff', 'reset-second-factor', viaCli.email, '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, POSTWERK_LOG_LEVEL: 'error' },
        timeout: 60_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: viaCli.id, email: viaCli.email, secondFactor: false });
    const audit = await auditOf(viaCli.id, 'staff.second_factor.reset');
    expect(audit.map((a) => a.actor_id)).toEqual([expect.stringMatching(/^cli:/)]);
    const missing = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../../bin/postwerk'), 'staff', 'reset-second-factor', 'nobody@staff.test'],
      {
        encoding: 'utf8',
        env: { ...process.env, POSTWERK_LOG_LEVEL: 'error' },
        timeout: 60_000,
      },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/staff user nobody@staff.test not found/);
  }, 120_000);

  it('staff change their own password with the current one; their other sessions end, this one stays', async () => {
    const { tenant } = await makeTenant(withActor(services, systemActor('second-factor-test')));
    const admin = await makeStaff('tenant_admin', tenant.id);
    const here = await signedIn(admin);
    const elsewhere = await signedIn(admin);
    const next = strongPassword();

    const wrong = await api(app)
      .post('/api/v1/auth/password')
      .set('Cookie', here)
      .send({ currentPassword: 'Wrong-Pw-123!', newPassword: next });
    expect({ status: wrong.status, code: wrong.body.error?.code }).toEqual({ status: 403, code: 'reauthentication_failed' });
    const weak = await api(app)
      .post('/api/v1/auth/password')
      .set('Cookie', here)
      .send({ currentPassword: admin.password, newPassword: 'short' });
    expect({ status: weak.status, path: weak.body.error?.details?.[0]?.path }).toEqual({ status: 400, path: 'newPassword' });
    const same = await api(app)
      .post('/api/v1/auth/password')
      .set('Cookie', here)
      .send({ currentPassword: admin.password, newPassword: admin.password });
    expect(same.status).toBe(400);
    // nothing changed so far
    expect((await api(app).get('/api/v1/auth/me').set('Cookie', elsewhere)).status).toBe(200);
    expect(await auditOf(admin.id, 'staff.password_changed')).toHaveLength(0);

    const ok = await api(app)
      .post('/api/v1/auth/password')
      .set('Cookie', here)
      .send({ currentPassword: admin.password, newPassword: next });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ otherSessionsEnded: 1 });
    expect((await api(app).get('/api/v1/auth/me').set('Cookie', here)).status).toBe(200);
    expect((await api(app).get('/api/v1/auth/me').set('Cookie', elsewhere)).status).toBe(401);
    expect((await signIn({ email: admin.email, password: admin.password })).status).toBe(401);
    expect((await signIn({ email: admin.email, password: next })).status).toBe(200);
    const audit = await auditOf(admin.id, 'staff.password_changed');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after!)).toEqual({ otherSessionsEnded: 1 });
    expect(JSON.stringify(audit)).not.toContain(next);

    // an API token has no password of its own
    const token = await tokenFor(withActor(services, systemActor('second-factor-test')), 'tenant_admin', tenant.id);
    const byToken = await api(app)
      .post('/api/v1/auth/password')
      .set(auth(token))
      .send({ currentPassword: next, newPassword: strongPassword() });
    expect({ status: byToken.status, code: byToken.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
  });
});
