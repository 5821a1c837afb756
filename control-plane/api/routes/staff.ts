import { z } from 'zod';
import { ROLES } from '../../../platform/actor';
import { createApiToken } from '../../../tenancy/use-cases/create-api-token';
import { createStaffUser } from '../../../tenancy/use-cases/create-staff-user';
import { disableStaffUser } from '../../../tenancy/use-cases/disable-staff-user';
import { listApiTokens } from '../../../tenancy/use-cases/list-api-tokens';
import { listStaffUsers } from '../../../tenancy/use-cases/list-staff-users';
import { revokeApiToken } from '../../../tenancy/use-cases/revoke-api-token';
import { Staff, Token } from '../../../tenancy/presenters';
import { pageOf, pageQuery, route } from '../route';
import { password } from './schemas';

const role = z.enum(ROLES);
const CreateStaff = z.strictObject({
  email: z.email().max(320),
  name: z.string().max(200).optional(),
  password,
  role,
  tenantId: z.uuid().nullable().optional(),
});
const CreateToken = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role,
  tenantId: z.uuid().nullable().optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const staffRoutes = [
  route({
    method: 'get',
    path: '/staff',
    summary: 'List staff users (a tenant admin sees its tenant)',
    tags: ['staff'],
    permission: 'staff.read',
    query: pageQuery.extend({ tenantId: z.uuid().optional(), role: role.optional() }),
    response: pageOf(Staff),
    handler: (ctx, { query }) => listStaffUsers(ctx, query),
  }),
  route({
    method: 'post',
    path: '/staff',
    summary: 'Create a staff user (portal sign-in)',
    tags: ['staff'],
    permission: 'staff.write',
    body: CreateStaff,
    response: Staff,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => createStaffUser(ctx, body),
  }),
  route({
    method: 'post',
    path: '/staff/:staffId/disable',
    summary: 'Disable a staff user and end their sessions',
    tags: ['staff'],
    permission: 'staff.write',
    params: z.strictObject({ staffId: z.uuid() }),
    response: Staff,
    handler: (ctx, { params }) => disableStaffUser(ctx, params.staffId),
  }),
  route({
    method: 'get',
    path: '/tokens',
    summary: 'List API tokens (never their secrets)',
    tags: ['tokens'],
    permission: 'token.read',
    query: pageQuery.extend({ tenantId: z.uuid().optional(), includeRevoked: bool.optional() }),
    response: pageOf(Token),
    handler: (ctx, { query }) => listApiTokens(ctx, query),
  }),
  route({
    method: 'post',
    path: '/tokens',
    summary: 'Create an API token; the secret is in this answer only (no Idempotency-Key: it would have to keep the secret)',
    tags: ['tokens'],
    permission: 'token.write',
    body: CreateToken,
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
