import { z } from 'zod';
import { route } from '../route';
import { signIn, signInInput, signOut } from '../../../tenancy/use-cases/sign-in';
import { readCookie } from '../../auth/authenticate';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../../../tenancy/shared/tokens';

const Me = z.object({ kind: z.string(), id: z.string(), label: z.string(), role: z.string(), tenantId: z.string().nullable() });

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
      return { kind: 'staff', id: user.id, label: user.email, role: user.role, tenantId: user.tenantId };
    },
  }),
  route({
    method: 'delete',
    path: '/auth/session',
    summary: 'Sign out',
    tags: ['auth'],
    permission: 'authenticated',
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
    response: Me,
    async handler(ctx) {
      const { kind, id, label, role, tenantId } = ctx.actor;
      return { kind, id, label, role, tenantId };
    },
  }),
];
