import { z } from 'zod';
import { route, uuidParam } from '../route';
import { notFound } from '../../../platform/errors';
import { requestBackup } from '../../../backup/use-cases/request-backup';
import { backupStatus } from '../../../backup/use-cases/backup-status';
import { searchBackups, searchBackupsInput } from '../../../backup/use-cases/search-backups';
import { previewMessage } from '../../../backup/use-cases/preview-message';
import { restoreBackup, restoreBackupInput } from '../../../backup/use-cases/restore-backup';
import { listDrills, listDrillsInput } from '../../../backup/use-cases/list-drills';
import { requestDrill } from '../../../backup/use-cases/request-drill';
import { getRetention } from '../../../backup/use-cases/get-retention';
import { retentionFigures, setRetention } from '../../../backup/use-cases/set-retention';
import { runIntegrityCheck } from '../../../backup/use-cases/run-integrity-check';
import { listBackupChecks, listBackupChecksInput } from '../../../backup/use-cases/list-backup-checks';
import { listBackupNotifications, listBackupNotificationsInput } from '../../../backup/use-cases/list-backup-notifications';

/**
 * Backup API: passes on demand, status, support's search and preview, restores, restore drills,
 * retention settings, integrity checks and their notifications. One use case per route.
 */
const TenantParams = z.strictObject({ tenantId: uuidParam });
// A message id that cannot exist answers like a missing one (404), not as bad input: ids are opaque to callers.
const MessageParams = z.strictObject({ tenantId: uuidParam, messageId: z.string().max(40) });
const StatusQuery = z.strictObject({ accountId: z.uuid().optional() });
const RunBody = z.strictObject({ accountId: z.uuid().optional() });
const SearchQuery = searchBackupsInput.omit({ tenantId: true });
const RestoreBody = restoreBackupInput.omit({ tenantId: true });
const DrillsQuery = listDrillsInput.omit({ tenantId: true });
const RetentionBody = retentionFigures;
const ChecksQuery = listBackupChecksInput.omit({ tenantId: true });
const NotificationsQuery = listBackupNotificationsInput.omit({ tenantId: true });
const Retention = z.object({
  tenantId: z.string(),
  deletedDays: z.number(),
  historyDays: z.number(),
  selfServiceDays: z.number(),
  custom: z.boolean(),
  updatedAt: z.string().nullable(),
});
const Message = z.object({
  id: z.number(),
  accountId: z.string(),
  folder: z.string(),
  uid: z.number(),
  uidValidity: z.number(),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  date: z.string().nullable(),
  internalDate: z.string(),
  size: z.number(),
  flags: z.array(z.string()),
  hash: z.string(),
  firstSeen: z.string(),
  goneAt: z.string().nullable(),
  closeReason: z.string().nullable(),
});
/** Shapes documented by their use case's TypeScript type (status, preview, restore result). */
const typed = <T>() => z.custom<T>(() => true);

export const backupRoutes = [
  route({
    method: 'post',
    path: '/tenants/:tenantId/backups/runs',
    summary: 'Queue a backup pass now, of one account or of every account of the tenant',
    tags: ['backup'],
    permission: 'backup.run',
    params: TenantParams,
    body: RunBody,
    status: 202,
    response: z.object({ jobId: z.string().nullable(), tenantId: z.string(), accountId: z.string().nullable() }),
    handler: (ctx, { params, body }) => requestBackup(ctx, { tenantId: params.tenantId, accountId: body.accountId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/status',
    summary: 'Per account: the last pass, the recovery point (newest complete pass), whether one is running',
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    query: StatusQuery,
    response: typed<Awaited<ReturnType<typeof backupStatus>>>(),
    handler: (ctx, { params, query }) => backupStatus(ctx, { tenantId: params.tenantId, accountId: query.accountId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/messages',
    summary: 'Search backed-up messages (account, folder, subject or sender text, dates, Message-ID, deleted since)',
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    query: SearchQuery,
    response: z.object({ items: z.array(Message), nextCursor: z.string().nullable() }),
    handler: (ctx, { params, query }) => searchBackups(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/messages/:messageId/preview',
    summary: 'A safe preview of a backed-up message: headers and plain text only (support gives a reason)',
    tags: ['backup'],
    permission: 'backup.read',
    supportReason: 'mail_content',
    params: MessageParams,
    response: typed<Awaited<ReturnType<typeof previewMessage>>>(),
    handler: async (ctx, { params }) => {
      if (!/^[1-9][0-9]{0,15}$/.test(params.messageId)) throw notFound('backed-up message', params.messageId);
      return previewMessage(ctx, { tenantId: params.tenantId, messageId: Number(params.messageId) });
    },
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/backups/restores',
    summary: 'Restore messages, a folder or an account as of a time (roll-forward; a reason is required)',
    tags: ['backup'],
    permission: 'backup.restore',
    params: TenantParams,
    body: RestoreBody,
    idempotent: true,
    response: typed<Awaited<ReturnType<typeof restoreBackup>>>(),
    handler: (ctx, { params, body }) => restoreBackup(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/drills',
    summary: "Latest restore drills: sampled, passed, failures, recovery time and each account's recovery point",
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    query: DrillsQuery,
    response: typed<Awaited<ReturnType<typeof listDrills>>>(),
    handler: (ctx, { params, query }) => listDrills(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/backups/drills',
    summary: 'Queue a restore drill of the tenant now (a sample restored into its scratch mailbox and compared)',
    tags: ['backup'],
    permission: 'backup.drill',
    params: TenantParams,
    status: 202,
    response: z.object({ jobId: z.string().nullable(), tenantId: z.string() }),
    handler: (ctx, { params }) => requestDrill(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/retention',
    summary: "The tenant's retention: days deleted messages stay restorable, days of flag history, self-service days",
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    response: Retention,
    handler: (ctx, { params }) => getRetention(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/backups/retention',
    summary: "Set the tenant's retention (any of the figures; the others stay); applied by the next daily retention run",
    tags: ['backup'],
    permission: 'backup.maintain',
    params: TenantParams,
    body: RetentionBody,
    response: Retention,
    handler: (ctx, { params, body }) => setRetention(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/backups/integrity',
    summary: 'Run the integrity check now: every indexed body read back and verified; returns the check',
    tags: ['backup'],
    permission: 'backup.maintain',
    params: TenantParams,
    body: z.strictObject({}),
    response: typed<Awaited<ReturnType<typeof runIntegrityCheck>>>(),
    handler: (ctx, { params }) => runIntegrityCheck(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/checks',
    summary: 'The latest integrity checks and restore drills, newest first',
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    query: ChecksQuery,
    response: typed<Awaited<ReturnType<typeof listBackupChecks>>>(),
    handler: (ctx, { params, query }) => listBackupChecks(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/backups/notifications',
    summary: 'Notifications raised by failed integrity checks and drills, newest first',
    tags: ['backup'],
    permission: 'backup.read',
    params: TenantParams,
    query: NotificationsQuery,
    response: typed<Awaited<ReturnType<typeof listBackupNotifications>>>(),
    handler: (ctx, { params, query }) => listBackupNotifications(ctx, { ...query, tenantId: params.tenantId }),
  }),
];
