import { z } from 'zod';
import { route, pageQuery, pageOf, uuidParam } from '../route';
import { getPool, PoolSummary } from '../../../quotas/use-cases/get-pool';
import { listAllocations, AllocationItem } from '../../../quotas/use-cases/list-allocations';
import { reassignAllocations, reassignAllocationsInput, ReassignResult } from '../../../quotas/use-cases/reassign-allocations';
import { changePool, changePoolInput, ChangePoolResult } from '../../../quotas/use-cases/change-pool';
import { usageHistory, usageHistoryInput, UsageHistory } from '../../../quotas/use-cases/usage-history';
import { tenantForecast, TenantForecast } from '../../../quotas/use-cases/tenant-forecast';
import { listNotifications, listNotificationsInput, NotificationItem } from '../../../quotas/use-cases/list-notifications';
import { setWebhook, setWebhookInput, Webhook } from '../../../quotas/use-cases/set-webhook';
import { reconcileUsage, ReconcileResult } from '../../../quotas/use-cases/reconcile-usage';
import { collectUsage, CollectResult } from '../../../quotas/use-cases/collect-usage';

/**
 * Quotas API: a tenant's pool and its accounts' allocations and usage, reassignment, pool changes,
 * usage history, forecasts, notifications and the tenant's webhook. Every route calls one use case
 * of quotas/; none touches the database itself.
 */
const TenantParams = z.strictObject({ tenantId: uuidParam });
const AccountParams = z.strictObject({ tenantId: uuidParam, accountId: uuidParam });

export const quotaRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota',
    summary: "The tenant's storage pool: size, allocated, used, free to allocate, forecast",
    tags: ['quotas'],
    permission: 'quota.read',
    params: TenantParams,
    response: PoolSummary,
    handler: (ctx, { params }) => getPool(ctx, params.tenantId),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota/accounts',
    summary: "The tenant's accounts with allocation and usage (paged by address)",
    tags: ['quotas'],
    permission: 'quota.read',
    params: TenantParams,
    query: pageQuery,
    response: pageOf(AllocationItem),
    handler: (ctx, { params, query }) => listAllocations(ctx, params.tenantId, query),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quota/reassignments',
    summary: 'Set new allocations for one or many accounts, all or nothing',
    tags: ['quotas'],
    permission: 'quota.reassign',
    params: TenantParams,
    body: reassignAllocationsInput.omit({ tenantId: true }),
    response: ReassignResult,
    idempotent: true,
    handler: (ctx, { params, body }) => reassignAllocations(ctx, { tenantId: params.tenantId, changes: body.changes, force: body.force }),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/quota/pool',
    summary: "Change the tenant's pool (operators); never below the allocated sum",
    tags: ['quotas'],
    permission: 'tenant.pool.update',
    params: TenantParams,
    body: changePoolInput.omit({ tenantId: true }),
    response: ChangePoolResult,
    handler: (ctx, { params, body }) => changePool(ctx, { tenantId: params.tenantId, ...body }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota/accounts/:accountId/usage',
    summary: "An account's usage history (oldest first, paged)",
    tags: ['quotas'],
    permission: 'quota.read',
    params: AccountParams,
    query: usageHistoryInput.omit({ tenantId: true, accountId: true }),
    response: UsageHistory,
    handler: (ctx, { params, query }) => usageHistory(ctx, { ...params, ...query }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota/forecast',
    summary: 'When the pool and each account will be full at the current rate',
    tags: ['quotas'],
    permission: 'quota.read',
    params: TenantParams,
    response: TenantForecast,
    handler: (ctx, { params }) => tenantForecast(ctx, params.tenantId),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota/notifications',
    summary: 'Quota notifications (warnings at 80, 95 and 100 %), newest first',
    tags: ['quotas'],
    permission: 'quota.read',
    params: TenantParams,
    query: listNotificationsInput.omit({ tenantId: true }),
    response: pageOf(NotificationItem),
    handler: (ctx, { params, query }) => listNotifications(ctx, { tenantId: params.tenantId, ...query }),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/quota/webhook',
    summary: 'Set (or with null remove) the webhook that receives quota notifications',
    tags: ['quotas'],
    permission: 'quota.reassign',
    params: TenantParams,
    body: setWebhookInput.omit({ tenantId: true }),
    response: Webhook,
    handler: (ctx, { params, body }) => setWebhook(ctx, { tenantId: params.tenantId, url: body.url }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quota/collect',
    summary: "Collect the tenant's usage from the mail server now (operators)",
    tags: ['quotas'],
    permission: 'tenant.pool.update',
    params: TenantParams,
    response: CollectResult,
    handler: (ctx, { params }) => collectUsage(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quota/reconcile',
    summary: "Recount the tenant's usage in the mail server and repair drift (operators)",
    tags: ['quotas'],
    permission: 'tenant.pool.update',
    params: TenantParams,
    response: ReconcileResult,
    handler: async (ctx, { params }) => {
      const r = await reconcileUsage(ctx, { tenantId: params.tenantId, actor: ctx.actor });
      return { ...r, drifted: r.drifted.map((d) => ({ ...d })) };
    },
  }),
];
