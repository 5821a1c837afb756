import { createTenant, createTenantInput } from '../../../tenancy/use-cases/create-tenant';
import { getTenant, listTenants, listTenantsInput } from '../../../tenancy/use-cases/list-tenants';
import { resumeTenant, suspendTenant } from '../../../tenancy/use-cases/suspend-tenant';
import { updateTenant, updateTenantInput } from '../../../tenancy/use-cases/update-tenant';
import { Tenant } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';
import { tenantParams } from './schemas';

export const tenantRoutes = [
  route({
    method: 'get',
    path: '/tenants',
    summary: 'List tenants (a tenant admin sees its own)',
    tags: ['tenants'],
    permission: 'tenant.read',
    auditSupportReads: true,
    query: listTenantsInput,
    response: pageOf(Tenant),
    handler: (ctx, { query }) => listTenants(ctx, query),
  }),
  route({
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant',
    tags: ['tenants'],
    permission: 'tenant.create',
    body: createTenantInput,
    response: Tenant,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => createTenant(ctx, body),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId',
    summary: 'Show a tenant',
    tags: ['tenants'],
    permission: 'tenant.read',
    params: tenantParams,
    response: Tenant,
    handler: (ctx, { params }) => getTenant(ctx, params.tenantId),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId',
    summary: "Change a tenant's name or default allocation",
    tags: ['tenants'],
    permission: 'tenant.update',
    params: tenantParams,
    body: updateTenantInput,
    response: Tenant,
    handler: (ctx, { params, body }) => updateTenant(ctx, params.tenantId, body),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/suspend',
    summary: 'Suspend a tenant: every mailbox of it closes for logins at once',
    tags: ['tenants'],
    permission: 'tenant.update',
    params: tenantParams,
    response: Tenant,
    handler: (ctx, { params }) => suspendTenant(ctx, params.tenantId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/resume',
    summary: 'Resume a suspended tenant',
    tags: ['tenants'],
    permission: 'tenant.update',
    params: tenantParams,
    response: Tenant,
    handler: (ctx, { params }) => resumeTenant(ctx, params.tenantId),
  }),
];
