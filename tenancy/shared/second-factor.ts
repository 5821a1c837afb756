import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Actor, Role } from '../../platform/actor';
import type { Config } from '../../platform/config';
import type { Db, Trx } from '../../platform/db';
import { forbidden, notFound } from '../../platform/errors';
import { createSecretBox } from '../../platform/secrets';
import {
  RECOVERY_CODE_CHARS,
  RECOVERY_CODE_COUNT,
  TOTP_DIGITS,
  TOTP_ISSUER,
  TOTP_PERIOD_SECONDS,
  TOTP_SECRET_BYTES,
  TOTP_WINDOW_STEPS,
} from '../limits';
import { claimTotpStep, findStaff, useRecoveryCode } from '../repositories/staff';
import type { StaffRow } from '../repositories/rows';

/**
 * The staff second factor: TOTP (RFC 6238, the `otpauth` library) with its secret sealed by the platform
 * key (platform/secrets.ts, bound to the user's row), and one-time recovery codes stored as hashes.
 */

/** Schema pieces: what a user types (spaces and dashes are left out before checking). */
export const totpCode = z
  .string()
  .max(20)
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(new RegExp(`^\\d{${TOTP_DIGITS}}$`), `must be the ${TOTP_DIGITS}-digit code of the authenticator app`));
export const recoveryCode = z
  .string()
  .max(64)
  .transform(normalizeRecoveryCode)
  .pipe(
    z
      .string()
      .regex(
        new RegExp(`^[a-z2-7]{${RECOVERY_CODE_CHARS}}$`),
        `must be one of the recovery codes (${RECOVERY_CODE_CHARS} letters and digits)`,
      ),
  );

export function isSecondFactorRequired(config: Pick<Config, 'secondFactorRequiredRoles'>, role: string): boolean {
  return (config.secondFactorRequiredRoles as readonly string[]).includes(role as Role);
}

const sealContext = (userId: string) => `staff_users.totp:${userId}`;

export function newTotpSecret(): string {
  return new Secret({ size: TOTP_SECRET_BYTES }).base32;
}

export function sealTotpSecret(config: Pick<Config, 'secretKey'>, userId: string, base32: string): string {
  return createSecretBox(config.secretKey).seal(base32, sealContext(userId));
}

export function openTotpSecret(config: Pick<Config, 'secretKey'>, userId: string, sealed: string): string {
  return createSecretBox(config.secretKey).open(sealed, sealContext(userId));
}

export function totpOf(base32: string, label: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(base32),
  });
}

/** The time step (counter) whose code `code` is, within the drift window around `now`, or null. */
export function matchTotpStep(base32: string, code: string, now = Date.now()): number | null {
  const totp = totpOf(base32, 'check');
  const delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW_STEPS });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** The otpauth:// URI an authenticator app reads, and the same as a QR code (an SVG data: URL). */
export async function enrolmentOf(base32: string, label: string): Promise<{ otpauthUri: string; qrCode: string }> {
  const otpauthUri = totpOf(base32, label).toString();
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { otpauthUri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex');
}

/** Fresh recovery codes as shown to the user, `xxxx-xxxx-xxxx-xxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    // 32 symbols: one random byte's low 5 bits each, no bias
    const chars = [...randomBytes(RECOVERY_CODE_CHARS)].map((b) => BASE32[b & 31]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

export type SecondFactorProof = { totp?: string | undefined; recoveryCode?: string | undefined };

/**
 * Checks and spends a second factor of an enrolled user inside `trx`: a TOTP code is taken only in a time
 * step later than the last one taken (so a code seen over a shoulder or in a log cannot be replayed), a
 * recovery code only once. Answers how it was proven, or null when it was not.
 */
export async function spendSecondFactor(
  trx: Trx,
  config: Pick<Config, 'secretKey'>,
  user: Pick<StaffRow, 'id' | 'totp_secret'>,
  proof: SecondFactorProof,
  now = Date.now(),
): Promise<'totp' | 'recovery_code' | null> {
  if (!user.totp_secret) return null;
  if (proof.totp !== undefined) {
    const step = matchTotpStep(openTotpSecret(config, user.id, user.totp_secret), proof.totp, now);
    if (step === null) return null;
    return (await claimTotpStep(trx, user.id, step)) ? 'totp' : null;
  }
  if (proof.recoveryCode !== undefined) {
    return (await useRecoveryCode(trx, user.id, hashRecoveryCode(proof.recoveryCode), new Date(now).toISOString()))
      ? 'recovery_code'
      : null;
  }
  return null;
}

/** The staff user as the actor of an audit entry written before they have a session (sign-in). */
export function staffActorOf(user: Pick<StaffRow, 'id' | 'email' | 'role' | 'tenant_id'>, ip: string | undefined): Actor {
  return {
    kind: 'staff',
    id: user.id,
    label: user.email,
    role: user.role as Role,
    tenantId: user.tenant_id,
    ...(ip !== undefined ? { ip } : {}),
  };
}

/**
 * The signed-in staff user's own row: a second factor and a password change are one's own, so an API
 * token (or the CLI) has none to change.
 */
export async function ownStaffRow(q: Db | Trx, actor: Actor): Promise<StaffRow> {
  if (actor.kind !== 'staff')
    throw forbidden('only a staff user signed in to the portal has a password and a second factor of their own (not an API token)');
  const row = await findStaff(q, actor.id);
  if (!row) throw notFound('staff user', actor.id);
  return row;
}
