import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, invalid, notFound } from '../../platform/errors';
import { restoreMessages, type RestoreItem, type RestoreProgress, type RestoreStats } from '../engine/restore';
import { accountContentAt, folderContentAt, foldersAt, messagesByIds } from '../repositories/index-rows';
import { finishRestore, insertRestore } from '../repositories/restores';
import { openStore } from '../store/open-store';
import { MIN_REASON_CHARS } from '../limits';
import { authorizeTenant, loadAccount } from './access';

const isoTime = z.iso.datetime({ offset: true });

export const restoreBackupInput = z.strictObject({
  tenantId: z.uuid(),
  accountId: z.uuid(),
  scope: z.enum(['messages', 'folder', 'account']),
  /** scope messages: index rows (search results) */
  messageIds: z.array(z.number().int().positive()).min(1).max(10_000).optional(),
  /** scope folder: the folder's name */
  folder: z.string().min(1).max(1000).optional(),
  /** scope folder and account: the content as of this time (default: now, i.e. the last pass) */
  asOf: isoTime.optional(),
  /** into this folder instead of the original one(s), e.g. `Restored 2026-12-02` */
  targetFolder: z.string().min(1).max(1000).optional(),
  reason: z.string().trim().min(MIN_REASON_CHARS, `a reason of at least ${MIN_REASON_CHARS} characters is required`).max(1000),
});
export type RestoreBackupInput = z.input<typeof restoreBackupInput>;

export interface RestoreResult extends RestoreStats {
  restoreId: string;
  tenantId: string;
  accountId: string;
  scope: string;
  asOf: string;
  selected: number;
}

/**
 * Restores messages, a folder or a whole account as of a time, roll-forward (engine/restore.ts). The
 * restore is recorded and audited (who, why, what) before it starts and again with its outcome.
 */
export async function restoreBackup(ctx: Ctx, raw: RestoreBackupInput, onProgress?: (e: RestoreProgress) => void): Promise<RestoreResult> {
  const input = restoreBackupInput.parse(raw);
  await authorizeTenant(ctx, 'backup.restore', input.tenantId);
  const account = await loadAccount(ctx.db, input.tenantId, input.accountId);
  const asOf = input.asOf ? new Date(input.asOf).toISOString() : nowIso();

  let rows;
  let extraFolders: string[] = [];
  if (input.scope === 'messages') {
    if (!input.messageIds) throw invalid('messageIds is required for scope messages');
    rows = await messagesByIds(ctx.db, input.tenantId, input.messageIds);
    const found = new Set(rows.filter((r) => r.account_id === account.id).map((r) => Number(r.id)));
    const missing = input.messageIds.filter((id) => !found.has(id));
    if (missing.length) throw notFound('backed-up message', missing.slice(0, 10).join(', '));
    rows = rows.filter((r) => r.account_id === account.id);
  } else if (input.scope === 'folder') {
    if (!input.folder) throw invalid('folder is required for scope folder');
    rows = await folderContentAt(ctx.db, account.id, input.folder, asOf);
    const existed = (await foldersAt(ctx.db, account.id, asOf)).some((f) => f.name === input.folder);
    if (!existed && !rows.length) throw notFound('folder in the backups at that time', input.folder);
    extraFolders = [input.targetFolder ?? input.folder];
  } else {
    rows = await accountContentAt(ctx.db, account.id, asOf);
    extraFolders = input.targetFolder ? [input.targetFolder] : (await foldersAt(ctx.db, account.id, asOf)).map((f) => f.name);
  }
  const items: RestoreItem[] = rows.map((row) => ({
    row,
    // a whole account into one chosen folder keeps its folders below it
    folder: input.targetFolder ? (input.scope === 'account' ? `${input.targetFolder}/${row.folder}` : input.targetFolder) : row.folder,
  }));
  if (input.scope === 'account' && input.targetFolder) extraFolders = [...new Set(items.map((i) => i.folder)), input.targetFolder];

  const restoreId = randomUUID();
  const request = { scope: input.scope, messageIds: input.messageIds, folder: input.folder, targetFolder: input.targetFolder, asOf };
  await inTransaction(ctx.db, async ({ trx }) => {
    await insertRestore(trx, {
      id: restoreId,
      tenant_id: input.tenantId,
      account_id: account.id,
      actor: ctx.actor.label,
      reason: input.reason,
      scope: input.scope,
      request: JSON.stringify(request),
      as_of: asOf,
      status: 'running',
      stats: null,
      created_at: nowIso(),
      finished_at: null,
    });
    await appendAudit(trx, ctx.actor, {
      action: 'backup.restore.started',
      tenantId: input.tenantId,
      target: { type: 'account', id: account.id },
      after: { restoreId, address: account.address, reason: input.reason, messages: items.length, ...request },
    });
  });

  let stats: RestoreStats;
  try {
    const store = await openStore(ctx, input.tenantId);
    stats = await restoreMessages(ctx, { address: account.address, allocationBytes: Number(account.allocation_bytes) }, store, items, {
      extraFolders,
      onProgress,
    });
  } catch (e) {
    await inTransaction(ctx.db, async ({ trx }) => {
      await finishRestore(trx, restoreId, {
        status: 'failed',
        stats: JSON.stringify({ error: (e as Error).message }),
        finished_at: nowIso(),
      });
      await appendAudit(trx, ctx.actor, {
        action: 'backup.restore.failed',
        tenantId: input.tenantId,
        target: { type: 'account', id: account.id },
        after: { restoreId, error: e instanceof AppError && e.expose ? e.message : 'internal error' },
      });
    });
    throw e;
  }
  await inTransaction(ctx.db, async ({ trx }) => {
    await finishRestore(trx, restoreId, {
      status: stats.failed.length ? 'failed' : 'done',
      stats: JSON.stringify(stats),
      finished_at: nowIso(),
    });
    await appendAudit(trx, ctx.actor, {
      action: 'backup.restore.finished',
      tenantId: input.tenantId,
      target: { type: 'account', id: account.id },
      after: {
        restoreId,
        restored: stats.restored,
        present: stats.present,
        failed: stats.failed.length,
        foldersCreated: stats.foldersCreated,
      },
    });
  });
  return { restoreId, tenantId: input.tenantId, accountId: account.id, scope: input.scope, asOf, selected: items.length, ...stats };
}
