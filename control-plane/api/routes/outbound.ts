import { z } from 'zod';
import { queueIdSchema } from '../../../filters/jobs';
import { getDkimRecords, rotateDkim } from '../../../filters/outbound/use-cases/dkim-keys';
import {
  deleteOutbound,
  getOutboundMessage,
  liftSuspension,
  listOutboundNotifications,
  listOutboundQueue,
  listOutboundSuspensions,
  QUEUE_STATES,
  releaseOutbound,
} from '../../../filters/outbound/use-cases/outbound-queue';
import { getSendingLimits, setSendingLimits, setSendingLimitsInput } from '../../../filters/outbound/use-cases/sending-limits';
import { QUEUE_PAGE_MAX } from '../../../filters/outbound/limits';
import { pageOf, route } from '../route';
import { tenantParams } from './schemas';

const Recipient = z.object({
  recipient: z.string(),
  route: z.enum(['local', 'remote']),
  status: z.enum(['pending', 'sending', 'deferred', 'sent', 'failed']),
  attempts: z.number(),
  lastCode: z.number().nullable(),
  lastError: z.string().nullable(),
  updatedAt: z.string(),
});
const OutboundMessage = z.object({
  queueId: z.string(),
  tenantId: z.string(),
  accountId: z.string(),
  account: z.string(),
  mailFrom: z.string(),
  messageId: z.string().nullable(),
  sizeBytes: z.number(),
  status: z.enum(['queued', 'held', 'done', 'deleted']),
  holdReason: z.enum(['rate_limit', 'spam', 'virus', 'suspended']).nullable(),
  holdDetail: z.string().nullable(),
  releasedBy: z.string().nullable(),
  releasedAt: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  recipients: z.array(Recipient).optional(),
});
const Limits = z.object({
  tenantId: z.string(),
  accountLimit: z.number(),
  tenantLimit: z.number(),
  windowSeconds: z.number(),
  autoSuspend: z.boolean(),
  isDefault: z.boolean(),
});
const DkimKeys = z.object({
  domain: z.string(),
  keys: z.array(
    z.object({
      selector: z.string(),
      status: z.enum(['active', 'retired']),
      createdAt: z.string(),
      retiredAt: z.string().nullable(),
      record: z.object({ name: z.string(), type: z.literal('TXT'), value: z.string() }),
    }),
  ),
});
const MessageParams = tenantParams.extend({ queueId: z.string().min(1).max(40) });
const DomainParams = tenantParams.extend({ domainId: z.uuid() });
const AccountParams = tenantParams.extend({ accountId: z.uuid() });

export const outboundRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/outbound/queue',
    summary: "The tenant's outbound queue: held, deferred (waiting for a retry), failed, queued or done",
    tags: ['outbound'],
    permission: 'outbound.read',
    params: tenantParams,
    query: z.strictObject({
      state: z.enum(QUEUE_STATES).optional(),
      limit: z.coerce.number().int().min(1).max(QUEUE_PAGE_MAX).default(50),
      cursor: queueIdSchema.optional(),
    }),
    response: pageOf(OutboundMessage),
    handler: (ctx, { params, query }) => listOutboundQueue(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/outbound/queue/:queueId',
    summary: 'One outbound message with the outcome per recipient',
    tags: ['outbound'],
    permission: 'outbound.read',
    params: MessageParams,
    response: OutboundMessage,
    handler: (ctx, { params }) => getOutboundMessage(ctx, params),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/outbound/queue/:queueId/release',
    summary: 'Release a held message (rate limit or spam): it is sent without a new hold; a virus is never released',
    tags: ['outbound'],
    permission: 'outbound.release',
    params: MessageParams,
    response: OutboundMessage,
    handler: (ctx, { params }) => releaseOutbound(ctx, params),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/outbound/queue/:queueId',
    summary: 'Delete a held or waiting outbound message for good',
    tags: ['outbound'],
    permission: 'outbound.write',
    params: MessageParams,
    status: 204,
    handler: (ctx, { params }) => deleteOutbound(ctx, params),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/outbound/limits',
    summary: "The tenant's sending limits (per account and per tenant within the window) and automatic suspension",
    tags: ['outbound'],
    permission: 'outbound.read',
    params: tenantParams,
    response: Limits,
    handler: (ctx, { params }) => getSendingLimits(ctx, params),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId/outbound/limits',
    summary: 'Change the sending limits (null: the platform default) and automatic suspension of held accounts',
    tags: ['outbound'],
    permission: 'outbound.write',
    params: tenantParams,
    body: setSendingLimitsInput.omit({ tenantId: true }),
    response: Limits,
    handler: (ctx, { params, body }) => setSendingLimits(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/outbound/notifications',
    summary: 'Holds and suspensions of outgoing mail, newest first',
    tags: ['outbound'],
    permission: 'outbound.read',
    params: tenantParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(QUEUE_PAGE_MAX).default(50) }),
    response: z.object({
      items: z.array(
        z.object({
          id: z.number(),
          event: z.string(),
          accountId: z.string().nullable(),
          queueId: z.string().nullable(),
          detail: z.unknown(),
          createdAt: z.string(),
        }),
      ),
    }),
    handler: (ctx, { params, query }) => listOutboundNotifications(ctx, { tenantId: params.tenantId, limit: query.limit }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/outbound/suspensions',
    summary: 'Accounts whose sending is suspended (automatically, after a hold)',
    tags: ['outbound'],
    permission: 'outbound.read',
    params: tenantParams,
    response: z.object({
      items: z.array(z.object({ accountId: z.string(), reason: z.string(), queueId: z.string().nullable(), createdAt: z.string() })),
    }),
    handler: (ctx, { params }) => listOutboundSuspensions(ctx, params),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/outbound/suspensions/:accountId',
    summary: "Lift an account's sending suspension (none: nothing to do, also 204)",
    tags: ['outbound'],
    permission: 'outbound.write',
    params: AccountParams,
    status: 204,
    handler: async (ctx, { params }) => {
      await liftSuspension(ctx, params);
    },
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/domains/:domainId/dkim',
    summary: "The domain's DKIM keys and the TXT records to publish (a key is made when the domain has none)",
    tags: ['outbound'],
    permission: 'domain.read',
    params: DomainParams,
    response: DkimKeys,
    handler: (ctx, { params }) => getDkimRecords(ctx, params),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/domains/:domainId/dkim/rotate',
    summary: 'A new DKIM key under a new selector signs from now on; the old one is retired (keep its record a few days)',
    tags: ['outbound'],
    permission: 'domain.write',
    params: DomainParams,
    response: DkimKeys,
    handler: (ctx, { params }) => rotateDkim(ctx, params),
  }),
];
