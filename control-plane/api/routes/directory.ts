import { z } from 'zod';
import { route, uuidParam } from '../route';
import { applySync, applySyncInput, SyncApplied } from '../../../directory/use-cases/apply-sync';
import { getConnection } from '../../../directory/use-cases/get-connection';
import { previewSync, SyncPreviewView } from '../../../directory/use-cases/preview-sync';
import { setConnection, setConnectionInput } from '../../../directory/use-cases/set-connection';
import { testConnection, TestConnectionResult, testConnectionInput } from '../../../directory/use-cases/test-connection';
import { ConnectionView } from '../../../directory/shared/settings';

/** A tenant's directory (LDAP/AD): its connection, test, sync preview and apply. One use case per route. */
const TenantParams = z.strictObject({ tenantId: uuidParam });

export const directoryRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/directory',
    summary: "The tenant's directory connection (never its bind password) and its last sync's status",
    tags: ['directory'],
    permission: 'directory.read',
    params: TenantParams,
    response: ConnectionView,
    handler: (ctx, { params }) => getConnection(ctx, params.tenantId),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/directory',
    summary:
      "Set the tenant's directory connection (URL, StartTLS and CA, bind DN and password, base DN, filter, group, mapping); the bind password is sealed at rest",
    tags: ['directory'],
    permission: 'directory.write',
    params: TenantParams,
    body: setConnectionInput,
    response: ConnectionView,
    handler: (ctx, { params, body }) => setConnection(ctx, params.tenantId, body),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/directory/test',
    summary: 'Test the directory connection: bind, count the matching users, show three (nothing stored)',
    tags: ['directory'],
    permission: 'directory.write',
    params: TenantParams,
    body: testConnectionInput,
    response: TestConnectionResult,
    handler: (ctx, { params, body }) => testConnection(ctx, params.tenantId, body ?? {}),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/directory/preview',
    summary:
      'Preview a sync: accounts to create, update, suspend and re-enable, skipped entries, conflicts, and the digest to apply (nothing changed)',
    tags: ['directory'],
    permission: 'directory.read',
    params: TenantParams,
    response: SyncPreviewView,
    handler: (ctx, { params }) => previewSync(ctx, params.tenantId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/directory/apply',
    summary:
      "Apply a previewed sync, all or nothing: refused (409) with conflicts, and (412) when the plan's digest is no longer the preview's",
    tags: ['directory'],
    permission: 'directory.write',
    params: TenantParams,
    body: applySyncInput,
    response: SyncApplied,
    handler: (ctx, { params, body }) => applySync(ctx, params.tenantId, body),
  }),
];
