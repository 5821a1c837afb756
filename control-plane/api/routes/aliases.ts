import { z } from 'zod';
import { createAlias, createAliasInput } from '../../../tenancy/use-cases/create-alias';
import { createForwarding, createForwardingInput } from '../../../tenancy/use-cases/create-forwarding';
import { deleteAlias } from '../../../tenancy/use-cases/delete-alias';
import { deleteForwarding } from '../../../tenancy/use-cases/delete-forwarding';
import { getAlias, listAliases, listAliasesInput } from '../../../tenancy/use-cases/list-aliases';
import { listForwardings } from '../../../tenancy/use-cases/list-forwardings';
import { Alias, Forwarding } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';
import { tenantParams } from './schemas';

const AliasParams = tenantParams.extend({ aliasId: z.uuid() });
const AccountParams = tenantParams.extend({ accountId: z.uuid() });
const ForwardingParams = tenantParams.extend({ forwardingId: z.uuid() });

export const aliasRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/aliases',
    summary: "List a tenant's aliases",
    tags: ['aliases'],
    permission: 'alias.read',
    params: tenantParams,
    query: listAliasesInput,
    response: pageOf(Alias),
    handler: (ctx, { params, query }) => listAliases(ctx, params.tenantId, query),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/aliases',
    summary: "Add an alias delivering into an account's mailbox",
    tags: ['aliases'],
    permission: 'alias.write',
    params: tenantParams,
    body: createAliasInput,
    response: Alias,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => createAlias(ctx, params.tenantId, body),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/aliases/:aliasId',
    summary: 'Show an alias',
    tags: ['aliases'],
    permission: 'alias.read',
    params: AliasParams,
    response: Alias,
    handler: (ctx, { params }) => getAlias(ctx, params.tenantId, params.aliasId),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/aliases/:aliasId',
    summary: 'Remove an alias',
    tags: ['aliases'],
    permission: 'alias.write',
    params: AliasParams,
    status: 204,
    handler: (ctx, { params }) => deleteAlias(ctx, params.tenantId, params.aliasId),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/accounts/:accountId/forwardings',
    summary: "List an account's forwarding addresses",
    tags: ['forwardings'],
    permission: 'alias.read',
    params: AccountParams,
    response: z.object({ items: z.array(Forwarding) }),
    handler: (ctx, { params }) => listForwardings(ctx, params.tenantId, params.accountId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/forwardings',
    summary: 'Add a forwarding address to an account',
    tags: ['forwardings'],
    permission: 'alias.write',
    params: AccountParams,
    body: createForwardingInput,
    response: Forwarding,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => createForwarding(ctx, params.tenantId, params.accountId, body),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/forwardings/:forwardingId',
    summary: 'Remove a forwarding address',
    tags: ['forwardings'],
    permission: 'alias.write',
    params: ForwardingParams,
    status: 204,
    handler: (ctx, { params }) => deleteForwarding(ctx, params.tenantId, params.forwardingId),
  }),
];
