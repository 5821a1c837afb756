import { z } from 'zod';
import { getFilterPolicy } from '../../../filters/policy/use-cases/get-filter-policy';
import { setFilterPolicy, setFilterPolicyInput } from '../../../filters/policy/use-cases/set-filter-policy';
import { addSenderEntry, listSenderEntries, removeSenderEntry } from '../../../filters/policy/use-cases/sender-lists';
import { BAND_ACTIONS, LISTS, RELEASERS } from '../../../filters/policy/policy';
import { listQuarantine, listQuarantineInput } from '../../../filters/quarantine/use-cases/list-quarantine';
import { getQuarantined } from '../../../filters/quarantine/use-cases/get-quarantined';
import { previewQuarantined } from '../../../filters/quarantine/use-cases/preview-quarantined';
import { releaseQuarantined } from '../../../filters/quarantine/use-cases/release-quarantined';
import { deleteQuarantined } from '../../../filters/quarantine/use-cases/delete-quarantined';
import { traceMessages } from '../../../filters/trace/use-cases/trace-messages';
import { pageOf, pageQuery, route } from '../route';
import { tenantParams } from './schemas';

const Band = z.object({ minScore: z.number(), action: z.enum(BAND_ACTIONS) });
const ReleasePolicy = z.object({ spam: z.enum(RELEASERS), blocked_sender: z.enum(RELEASERS), virus: z.enum(RELEASERS) });
const FilterPolicy = z.object({
  tenantId: z.string(),
  bands: z.array(Band),
  releasePolicy: ReleasePolicy,
  quarantineDays: z.number(),
  allowEntries: z.number(),
  blockEntries: z.number(),
  isDefault: z.boolean(),
  updatedAt: z.string().nullable(),
});
const ListEntry = z.object({ id: z.string(), list: z.enum(LISTS), pattern: z.string(), note: z.string(), createdAt: z.string() });
const Reason = z.enum(['virus', 'spam', 'blocked_sender']);
const Quarantined = z.object({
  id: z.string(),
  tenantId: z.string(),
  accountId: z.string().nullable(),
  recipient: z.string(),
  sender: z.string(),
  headerFrom: z.string(),
  subject: z.string(),
  messageId: z.string(),
  reason: Reason,
  detail: z.string(),
  spamScore: z.number().nullable(),
  sizeBytes: z.number(),
  queueId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['held', 'releasing', 'released']),
  statusAt: z.string(),
  releasedBy: z.string().nullable(),
});
const Preview = z.object({
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  subject: z.string(),
  from: z.string(),
  to: z.string(),
  date: z.string().nullable(),
  text: z.string(),
  textSource: z.enum(['text', 'html', 'none']),
  textTruncated: z.boolean(),
  attachments: z.array(z.object({ filename: z.string().nullable(), contentType: z.string(), sizeBytes: z.number() })),
  attachmentsNotListed: z.number(),
  headersOnly: z.boolean(),
});
const TraceEvent = z.object({
  stage: z.string(),
  at: z.string(),
  elapsedMs: z.number().nullable(),
  recipient: z.string().nullable(),
  detail: z.unknown(),
});
const Traced = z.object({
  queueId: z.string(),
  messageId: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  events: z.array(TraceEvent),
});

const EntryParams = tenantParams.extend({ entryId: z.uuid() });
const QuarantineParams = tenantParams.extend({ quarantineId: z.uuid() });
const ListQuery = pageQuery.extend(listQuarantineInput.omit({ tenantId: true, limit: true, cursor: true }).shape);
const TraceQuery = z.strictObject({
  queueId: z.string().min(1).max(40).optional(),
  messageId: z.string().min(1).max(998).optional(),
  recipient: z.string().min(3).max(320).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  tenantId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const filterRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/filter-policy',
    summary: "The tenant's inbound filter policy: score bands, release policy, quarantine period (defaults until set)",
    tags: ['filters'],
    permission: 'filter.read',
    params: tenantParams,
    response: FilterPolicy,
    handler: (ctx, { params }) => getFilterPolicy(ctx, params),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId/filter-policy',
    summary: 'Change score bands (discard only with allowDiscard), quarantine period, and (operators) the release policy',
    tags: ['filters'],
    permission: 'filter.write',
    params: tenantParams,
    body: setFilterPolicyInput.omit({ tenantId: true }),
    response: FilterPolicy,
    handler: (ctx, { params, body }) => setFilterPolicy(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/filter-policy/senders',
    summary: "The tenant's allow and block lists of senders",
    tags: ['filters'],
    permission: 'filter.read',
    params: tenantParams,
    query: z.strictObject({ list: z.enum(LISTS).optional() }),
    response: z.object({ items: z.array(ListEntry) }),
    handler: (ctx, { params, query }) => listSenderEntries(ctx, { tenantId: params.tenantId, list: query.list }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/filter-policy/senders',
    summary: 'Add a sender (address, domain or *.domain) to the allow or block list; an existing entry answers created false',
    tags: ['filters'],
    permission: 'filter.write',
    params: tenantParams,
    body: z.strictObject({ list: z.enum(LISTS), pattern: z.string().min(1).max(254), note: z.string().max(200).optional() }),
    response: z.object({ entry: ListEntry, created: z.boolean() }),
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => addSenderEntry(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/filter-policy/senders/:entryId',
    summary: 'Remove an allow or block list entry',
    tags: ['filters'],
    permission: 'filter.write',
    params: EntryParams,
    status: 204,
    handler: (ctx, { params }) => removeSenderEntry(ctx, params),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quarantine',
    summary: "The tenant's quarantine, oldest first: search by sender, subject, recipient, reason, status, time range [from, to)",
    tags: ['quarantine'],
    permission: 'quarantine.read',
    params: tenantParams,
    query: ListQuery,
    response: pageOf(Quarantined),
    handler: (ctx, { params, query }) => listQuarantine(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quarantine/:quarantineId',
    summary: 'Show a quarantined message (index data, never its content)',
    tags: ['quarantine'],
    permission: 'quarantine.read',
    params: QuarantineParams,
    response: Quarantined,
    handler: (ctx, { params }) => getQuarantined(ctx, params),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/quarantine/:quarantineId/preview',
    summary:
      'A safe preview: headers and plain text only (HTML as sanitized text, no remote content), attachments named (support gives a reason)',
    tags: ['quarantine'],
    permission: 'quarantine.read',
    supportReason: 'mail_content',
    params: QuarantineParams,
    response: z.object({ message: Quarantined, preview: Preview }),
    handler: (ctx, { params }) => previewQuarantined(ctx, params),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/quarantine/:quarantineId/release',
    summary: "Scan again and deliver to the INBOX (per the tenant's release policy); optionally allow-list the sender and teach rspamd ham",
    tags: ['quarantine'],
    permission: 'quarantine.release',
    params: QuarantineParams,
    body: z.strictObject({ allowSender: z.boolean().optional(), learnHam: z.boolean().optional() }),
    response: z.object({
      message: Quarantined,
      rescan: z.object({ av: z.unknown(), spam: z.unknown() }),
      allowListed: z.string().nullable(),
      learned: z.unknown(),
    }),
    handler: (ctx, { params, body }) => releaseQuarantined(ctx, { ...params, ...body }),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/quarantine/:quarantineId',
    summary: 'Delete a quarantined message for good',
    tags: ['quarantine'],
    permission: 'quarantine.delete',
    params: QuarantineParams,
    status: 204,
    handler: (ctx, { params }) => deleteQuarantined(ctx, params),
  }),
  route({
    method: 'get',
    path: '/mail/trace',
    summary:
      "A message's path (accepted, scanned, routed, delivered, quarantined, released, failed) by queue ID, Message-ID, or recipient and time range",
    tags: ['mail'],
    permission: 'mail.trace',
    query: TraceQuery,
    response: z.object({ items: z.array(Traced) }),
    handler: (ctx, { query }) => traceMessages(ctx, query),
  }),
];
