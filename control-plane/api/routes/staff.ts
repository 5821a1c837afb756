import { z } from 'zod';
import { createApiToken, createApiTokenInput } from '../../../tenancy/use-cases/create-api-token';
import { createStaffUser, createStaffUserInput } from '../../../tenancy/use-cases/create-staff-user';
import { disableStaffUser } from '../../../tenancy/use-cases/disable-staff-user';
import { listApiTokens, listApiTokensInput } from '../../../tenancy/use-cases/list-api-tokens';
import { listStaffUsers, listStaffUsersInput } from '../../../tenancy/use-cases/list-staff-users';
import { resetSecondFactor } from '../../../tenancy/use-cases/reset-second-factor';
import { revokeApiToken } from '../../../tenancy/use-cases/revoke-api-token';
import { Staff, Token } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';

export const staffRoutes = [
  route({
    method: 'get',
    path: '/staff',
    summary: 'List staff users (a tenant admin sees its tenant)',
    tags: ['staff'],
    permission: 'staff.read',
    query: listStaffUsersInput,
    response: pageOf(Staff),
    handler: (ctx, { query }) => listStaffUsers(ctx, query),
  }),
  route({
    method: 'post',
    path: '/staff',
    summary: 'Create a staff user (portal sign-in)',
    tags: ['staff'],
    permission: 'staff.write',
    body: createStaffUserInput,
    response: Staff,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => createStaffUser(ctx, body),
  }),
  route({
    method: 'post',
    path: '/staff/:staffId/disable',
    summary: 'Disable a staff user: end their sessions and revoke the API tokens they own',
    tags: ['staff'],
    permission: 'staff.write',
    params: z.strictObject({ staffId: z.uuid() }),
    response: Staff,
    handler: (ctx, { params }) => disableStaffUser(ctx, params.staffId),
  }),
  route({
    method: 'post',
    path: '/staff/:staffId/second-factor/reset',
    summary: "Remove a staff user's second factor (lost app and recovery codes): their sessions end, they enrol again",
    tags: ['staff'],
    permission: 'staff.write',
    params: z.strictObject({ staffId: z.uuid() }),
    response: Staff,
    handler: (ctx, { params }) => resetSecondFactor(ctx, params.staffId),
  }),
  route({
    method: 'get',
    path: '/tokens',
    summary: 'List API tokens (never their secrets)',
    tags: ['tokens'],
    permission: 'token.read',
    query: listApiTokensInput,
    response: pageOf(Token),
    handler: (ctx, { query }) => listApiTokens(ctx, query),
  }),
  route({
    method: 'post',
    path: '/tokens',
    summary: 'Create an API token; the secret is in this answer only (no Idempotency-Key: it would have to keep the secret)',
    tags: ['tokens'],
    permission: 'token.write',
    body: createApiTokenInput,
    response: z.object({ token: Token, secret: z.string() }),
    status: 201,
    handler: (ctx, { body }) => createApiToken(ctx, body),
  }),
  route({
    method: 'delete',
    path: '/tokens/:tokenId',
    summary: 'Revoke an API token',
    tags: ['tokens'],
    permission: 'token.write',
    params: z.strictObject({ tokenId: z.uuid() }),
    response: Token,
    handler: (ctx, { params }) => revokeApiToken(ctx, params.tokenId),
  }),
];
