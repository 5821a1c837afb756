import { z } from 'zod';
import { listOwnDeleted } from '../../../backup/use-cases/list-own-deleted';
import { restoreOwnMessage } from '../../../backup/use-cases/restore-own-message';
import {
  MAIL_SESSION_COOKIE,
  mailUserOfActor,
  signInMailUser,
  signInMailUserInput,
  signOutMailUser,
} from '../../../backup/use-cases/sign-in-mail-user';
import { ownUsage, OwnUsage } from '../../../quotas/use-cases/own-usage';
import { ownAppleProfile, ownAppleProfileInput } from '../../../tenancy/use-cases/own-apple-profile';
import { ownClientSetup } from '../../../tenancy/use-cases/own-client-setup';
import { verifyDirectoryPassword } from '../../../directory/use-cases/verify-directory-password';
import { readCookie } from '../../auth/authenticate';
import { route } from '../route';

/** Self-service of an account's own user: its usage (quotas/), and its deleted messages, listed and restored (backup/). */
const MailUser = z.object({ kind: z.literal('mail_user'), id: z.string(), label: z.string(), tenantId: z.string() });
const Deleted = z.object({
  days: z.number(),
  items: z.array(
    z.object({
      id: z.number(),
      folder: z.string(),
      subject: z.string().nullable(),
      from: z.string().nullable(),
      date: z.string().nullable(),
      size: z.number(),
      deletedAt: z.string(),
    }),
  ),
});

const Endpoint = z.object({ host: z.string(), port: z.number(), security: z.enum(['tls', 'starttls']) });
const OwnClientSetup = z.object({
  address: z.string(),
  login: z.string(),
  endpoints: z.object({ imap: z.array(Endpoint), submission: z.array(Endpoint) }),
});

export const selfServiceRoutes = [
  route({
    method: 'post',
    path: '/self/session',
    summary: 'Self-service sign-in of a mail user with the mail address and password: opens a session cookie',
    tags: ['self-service'],
    permission: 'public',
    body: signInMailUserInput,
    response: MailUser,
    async handler(ctx, { body, http }) {
      const { secret, account, ttlMs } = await signInMailUser(ctx, body, (account, password) =>
        verifyDirectoryPassword(ctx, account, password),
      );
      http.res.cookie(MAIL_SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.api.publicUrl.startsWith('https:'),
        maxAge: ttlMs,
        path: '/',
      });
      return { kind: 'mail_user' as const, id: account.id, label: account.address, tenantId: account.tenantId };
    },
  }),
  route({
    method: 'delete',
    path: '/self/session',
    summary: 'Self-service sign-out',
    tags: ['self-service'],
    permission: 'backup.self-service',
    status: 204,
    async handler(ctx, { http }) {
      const secret = readCookie(http.req.get('cookie'), MAIL_SESSION_COOKIE);
      if (secret) await signOutMailUser(ctx, secret);
      http.res.clearCookie(MAIL_SESSION_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'get',
    path: '/self/usage',
    summary: "The signed-in mail user's own usage against their allocation, as Dovecot counts it now",
    tags: ['self-service'],
    permission: 'quota.self',
    response: OwnUsage,
    handler: (ctx) => ownUsage(ctx, mailUserOfActor(ctx.actor)),
  }),
  route({
    method: 'get',
    path: '/self/deleted',
    summary: "The signed-in mail user's own deleted messages of the last N days (the tenant's setting), newest first",
    tags: ['self-service'],
    permission: 'backup.self-service',
    response: Deleted,
    handler: (ctx) => listOwnDeleted(ctx, mailUserOfActor(ctx.actor)),
  }),
  route({
    method: 'post',
    path: '/self/deleted/:messageId/restore',
    summary: 'Restore one of my deleted messages into its folder (restoring twice adds nothing)',
    tags: ['self-service'],
    permission: 'backup.self-service',
    params: z.strictObject({ messageId: z.string().regex(/^\d{1,15}$/, 'a message id from the list') }),
    response: z.object({ restored: z.boolean(), folder: z.string() }),
    handler: (ctx, { params }) => restoreOwnMessage(ctx, mailUserOfActor(ctx.actor), params),
  }),
  route({
    method: 'get',
    path: '/self/client-setup',
    summary: 'My server settings for setting up a mail client by hand: the IMAP and submission endpoints and the login',
    tags: ['self-service'],
    permission: 'client-setup.self',
    response: OwnClientSetup,
    handler: (ctx) => ownClientSetup(ctx, mailUserOfActor(ctx.actor).accountId),
  }),
  route({
    method: 'post',
    path: '/self/apple-profile',
    summary:
      'My Apple configuration profile (.mobileconfig) for iPhone, iPad and Mac mail; with `password` it holds the password given (not stored), without it the device asks',
    tags: ['self-service'],
    permission: 'client-setup.self',
    body: ownAppleProfileInput,
    async handler(ctx, { body, http }) {
      const profile = await ownAppleProfile(ctx, mailUserOfActor(ctx.actor).accountId, body);
      http.res.setHeader('content-type', 'application/x-apple-aspen-config');
      http.res.setHeader('content-disposition', `attachment; filename="${profile.filename}"`);
      // it may hold a password: no cache anywhere keeps it
      http.res.setHeader('cache-control', 'no-store');
      http.res.send(profile.body);
    },
  }),
];
