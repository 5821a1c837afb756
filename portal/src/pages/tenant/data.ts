// Loaders shared by the tenant pages (all through the typed client).
import { allPages, api, call } from '../../api/client';

export const loadTenant = (tenantId: string) => call(api.GET('/tenants/{tenantId}', { params: { path: { tenantId } } }));
export const loadPool = (tenantId: string) => call(api.GET('/tenants/{tenantId}/quota', { params: { path: { tenantId } } }));

/** Every account with its allocation and usage (the quota list pages by address; the portal sorts and searches). */
export const loadAllocations = (tenantId: string) =>
  allPages((cursor) =>
    call(api.GET('/tenants/{tenantId}/quota/accounts', { params: { path: { tenantId }, query: { limit: 500, cursor } } })),
  );

export type Allocation = Awaited<ReturnType<typeof loadAllocations>>[number];
export type Pool = Awaited<ReturnType<typeof loadPool>>;
