import { z } from 'zod';
import { route, pageQuery, pageOf, uuidParam } from '../route';
import { MAX_BYTES, MAX_CHANGES_PER_REASSIGNMENT, MAX_WEBHOOK_URL_LENGTH } from '../../../quotas/limits';
import { getPool } from '../../../quotas/use-cases/get-pool';
import { listAllocations } from '../../../quotas/use-cases/list-allocations';
import { reassignAllocations } from '../../../quotas/use-cases/reassign-allocations';
import { changePool } from '../../../quotas/use-cases/change-pool';
import { usageHistory } from '../../../quotas/use-cases/usage-history';
import { tenantForecast } from '../../../quotas/shared/forecast';
import { listNotifications } from '../../../quotas/use-cases/list-notifications';
import { setWebhook } from '../../../quotas/use-cases/set-webhook';
import { reconcileUsage } from '../../../quotas/use-cases/reconcile-usage';
import { collectUsage } from '../../../quotas/use-cases/collect-usage';

/**
 * Quotas API: a tenant's pool and its accounts' allocations and usage, reassignment, pool changes,
 * usage history, forecasts, notifications and the tenant's webhook. Every route calls one use case
 * of quotas/; none touches the database itself.
 */
const bytes = z.number().int().min(1).max(MAX_BYTES);
const TenantParams = z.strictObject({ tenantId: uuidParam });
const AccountParams = z.strictObject({ tenantId: uuidParam, accountId: uuidParam });
const isoTime = z.iso.datetime({ offset: false });

const Forecast = z.object({ bytesPerDay: z.number().nullable(), fullAt: z.string().nullable(), samples: z.number() });
const PoolState = z.object({ tenantId: z.string(), poolBytes: z.number(), allocatedBytes: z.number(), freeBytes: z.number() });
const PoolSummary = z.object({
  tenantId: z.string(),
  poolBytes: z.number(),
  defaultAllocationBytes: z.number(),
  allocatedBytes: z.number(),
  freeBytes: z.number(),
  usedBytes: z.number(),
  usedMessages: z.number(),
  accounts: z.number(),
  collectedAt: z.string().nullable(),
  forecast: Forecast,
});
const Allocation = z.object({
  accountId: z.string(),
  address: z.string(),
  status: z.string(),
  allocationBytes: z.number(),
  usedBytes: z.number().nullable(),
  usedMessages: z.number().nullable(),
  percent: z.number().nullable(),
  collectedAt: z.string().nullable(),
  warningLevel: z.number(),
});
const ReassignBody = z.strictObject({
  changes: z
    .array(z.strictObject({ accountId: z.uuid(), allocationBytes: bytes }))
    .min(1)
    .max(MAX_CHANGES_PER_REASSIGNMENT),
  /** operators only (quota.force): allow allocations below current usage */
  force: z.boolean().optional(),
});
const ReassignResult = z.object({
  tenantId: z.string(),
  changed: z.boolean(),
  changes: z.array(
    z.object({
      accountId: z.string(),
      address: z.string(),
      beforeBytes: z.number(),
      afterBytes: z.number(),
      usedBytes: z.number().nullable(),
    }),
  ),
  forcedBelowUsage: z.array(z.string()),
  pool: PoolState,
  auditId: z.number().nullable(),
});
const PoolBody = z.strictObject({ poolBytes: bytes, defaultAllocationBytes: bytes.optional() });
const PoolResult = z.object({ pool: PoolState, defaultAllocationBytes: z.number(), changed: z.boolean() });
const HistoryQuery = pageQuery.extend({ since: isoTime.optional(), until: isoTime.optional() });
const History = pageOf(z.object({ at: z.string(), usedBytes: z.number(), usedMessages: z.number() })).extend({
  accountId: z.string(),
  address: z.string(),
  allocationBytes: z.number(),
});
const AccountForecast = Forecast.extend({ accountId: z.string(), address: z.string(), allocationBytes: z.number(), usedBytes: z.number() });
const TenantForecast = z.object({
  tenantId: z.string(),
  windowDays: z.number(),
  pool: Forecast.extend({ poolBytes: z.number(), usedBytes: z.number() }),
  accounts: z.array(AccountForecast),
});
const NotificationsQuery = pageQuery.extend({ accountId: z.uuid().optional() });
const Notification = z.object({
  id: z.number(),
  event: z.string(),
  accountId: z.string().nullable(),
  address: z.string(),
  threshold: z.number(),
  usedBytes: z.number(),
  allocationBytes: z.number(),
  createdAt: z.string(),
  webhookStatus: z.string(),
});
const WebhookBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(MAX_WEBHOOK_URL_LENGTH)
    .nullable(),
});
const Webhook = z.object({ tenantId: z.string(), url: z.string().nullable() });
const Reconciled = z.object({
  checked: z.number(),
  drifted: z.array(z.record(z.string(), z.unknown())),
  failed: z.array(z.object({ accountId: z.string(), address: z.string(), error: z.string() })),
});
const Collected = z.object({
  accounts: z.number(),
  failed: z.array(z.record(z.string(), z.unknown())),
  warnings: z.number(),
  pruned: z.number(),
});

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
    response: pageOf(Allocation),
    handler: (ctx, { params, query }) => listAllocations(ctx, params.tenantId, query),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quota/reassignments',
    summary: 'Set new allocations for one or many accounts, all or nothing',
    tags: ['quotas'],
    permission: 'quota.reassign',
    params: TenantParams,
    body: ReassignBody,
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
    body: PoolBody,
    response: PoolResult,
    handler: (ctx, { params, body }) => changePool(ctx, { tenantId: params.tenantId, ...body }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quota/accounts/:accountId/usage',
    summary: "An account's usage history (oldest first, paged)",
    tags: ['quotas'],
    permission: 'quota.read',
    params: AccountParams,
    query: HistoryQuery,
    response: History,
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
    query: NotificationsQuery,
    response: pageOf(Notification),
    handler: (ctx, { params, query }) => listNotifications(ctx, { tenantId: params.tenantId, ...query }),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/quota/webhook',
    summary: 'Set (or with null remove) the webhook that receives quota notifications',
    tags: ['quotas'],
    permission: 'quota.reassign',
    params: TenantParams,
    body: WebhookBody,
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
    response: Collected,
    handler: (ctx, { params }) => collectUsage(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quota/reconcile',
    summary: "Recount the tenant's usage in the mail server and repair drift (operators)",
    tags: ['quotas'],
    permission: 'tenant.pool.update',
    params: TenantParams,
    response: Reconciled,
    handler: async (ctx, { params }) => {
      const r = await reconcileUsage(ctx, { tenantId: params.tenantId, actor: ctx.actor });
      return { ...r, drifted: r.drifted.map((d) => ({ ...d })) };
    },
  }),
];
