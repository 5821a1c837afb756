import { z } from 'zod';
import { route } from '../route';
import { signIn, signInInput, signOut } from '../../../tenancy/use-cases/sign-in';
import { readCookie } from '../../auth/authenticate';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../../../tenancy/shared/tokens';
import { changeOwnPassword, changeOwnPasswordInput, PasswordChanged } from '../../../tenancy/use-cases/change-own-password';
import { confirmSecondFactor, confirmSecondFactorInput, SecondFactorConfirmed } from '../../../tenancy/use-cases/confirm-second-factor';
import { disableSecondFactor, disableSecondFactorInput } from '../../../tenancy/use-cases/disable-second-factor';
import { SecondFactorStatus, secondFactorStatus } from '../../../tenancy/use-cases/second-factor-status';
import { SecondFactorEnrolment, startSecondFactorEnrolment } from '../../../tenancy/use-cases/start-second-factor-enrolment';

const Me = z.object({
  kind: z.string(),
  id: z.string(),
  label: z.string(),
  role: z.string(),
  tenantId: z.string().nullable(),
  /** the role must have a second factor and none is enrolled: only enrolment, sign-out and this route answer */
  secondFactorEnrolmentRequired: z.boolean(),
});

export const authRoutes = [
  route({
    method: 'post',
    path: '/auth/session',
    summary: 'Sign in (portal): opens a session cookie',
    tags: ['auth'],
    permission: 'public',
    body: signInInput,
    response: Me,
    async handler(ctx, { body, http }) {
      const { secret, user } = await signIn(ctx, body);
      http.res.cookie(SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.api.publicUrl.startsWith('https:'),
        maxAge: SESSION_TTL_MS,
        path: '/',
      });
      return {
        kind: 'staff',
        id: user.id,
        label: user.email,
        role: user.role,
        tenantId: user.tenantId,
        secondFactorEnrolmentRequired: user.secondFactorEnrolmentRequired,
      };
    },
  }),
  route({
    method: 'delete',
    path: '/auth/session',
    summary: 'Sign out',
    tags: ['auth'],
    permission: 'authenticated',
    duringSecondFactorEnrolment: true,
    status: 204,
    async handler(ctx, { http }) {
      const secret = readCookie(http.req.get('cookie'), SESSION_COOKIE);
      if (secret) await signOut(ctx, secret);
      http.res.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'get',
    path: '/auth/me',
    summary: 'Who am I',
    tags: ['auth'],
    permission: 'authenticated',
    duringSecondFactorEnrolment: true,
    response: Me,
    async handler(ctx) {
      const { kind, id, label, role, tenantId } = ctx.actor;
      return { kind, id, label, role, tenantId, secondFactorEnrolmentRequired: !!ctx.actor.secondFactorEnrolmentRequired };
    },
  }),
  route({
    method: 'post',
    path: '/auth/password',
    staffSession: true,
    summary: 'Change your own password (the current one is required); your other sessions end, this one stays',
    tags: ['auth'],
    permission: 'authenticated',
    body: changeOwnPasswordInput,
    response: PasswordChanged,
    handler: (ctx, { body, http }) => changeOwnPassword(ctx, body, readCookie(http.req.get('cookie'), SESSION_COOKIE)),
  }),
  route({
    method: 'get',
    path: '/auth/second-factor',
    staffSession: true,
    summary: 'Your second factor (TOTP): enrolled, required by your role, recovery codes left',
    tags: ['auth'],
    permission: 'authenticated',
    duringSecondFactorEnrolment: true,
    response: SecondFactorStatus,
    handler: (ctx) => secondFactorStatus(ctx),
  }),
  route({
    method: 'post',
    path: '/auth/second-factor/enrolment',
    staffSession: true,
    summary: 'Start enrolling a second factor: a new TOTP secret, its otpauth URI and QR code (confirm within 15 minutes)',
    tags: ['auth'],
    permission: 'authenticated',
    duringSecondFactorEnrolment: true,
    response: SecondFactorEnrolment,
    status: 201,
    handler: (ctx) => startSecondFactorEnrolment(ctx),
  }),
  route({
    method: 'post',
    path: '/auth/second-factor/enrolment/confirm',
    staffSession: true,
    summary: 'Confirm the enrolment with a code of the app: sign-in asks for codes from now on; answers the recovery codes (shown once)',
    tags: ['auth'],
    permission: 'authenticated',
    duringSecondFactorEnrolment: true,
    body: confirmSecondFactorInput,
    response: SecondFactorConfirmed,
    handler: (ctx, { body }) => confirmSecondFactor(ctx, body),
  }),
  route({
    method: 'post',
    path: '/auth/second-factor/disable',
    staffSession: true,
    summary: 'Remove your second factor: prove it is you with the current password or a code',
    tags: ['auth'],
    permission: 'authenticated',
    body: disableSecondFactorInput,
    response: SecondFactorStatus,
    handler: (ctx, { body }) => disableSecondFactor(ctx, body),
  }),
];
