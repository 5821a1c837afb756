import type { Knex } from 'knex';
import { IN_CHUNK_EXTRAS } from '../limits';
import type { BackupMessageRow } from './rows';

/** SQL of retention, garbage collection, integrity checks, drills and their notifications. */
export interface RetentionRow {
  tenant_id: string;
  deleted_days: number;
  history_days: number;
  self_service_days: number;
  updated_at: string;
}

export interface CheckRow {
  id: string;
  tenant_id: string;
  kind: 'drill' | 'integrity';
  status: 'running' | 'passed' | 'failed';
  started_at: string;
  finished_at: string | null;
  result: string | null;
  error: string | null;
}

export interface NotificationRow {
  id: number;
  tenant_id: string;
  event: string;
  check_id: string | null;
  detail: string;
  created_at: string;
}

export async function findRetention(q: Knex, tenantId: string): Promise<RetentionRow | undefined> {
  return q<RetentionRow>('backup_retention').where({ tenant_id: tenantId }).first();
}

export async function upsertRetention(q: Knex, row: RetentionRow): Promise<void> {
  await q('backup_retention').insert(row).onConflict('tenant_id').merge();
}

/** Expunged messages and rows of deleted folders whose interval closed before `before`. */
export async function deleteGoneMessagesRows(q: Knex, tenantId: string, before: string): Promise<number> {
  return q('backup_messages')
    .where({ tenant_id: tenantId })
    .whereIn('close_reason', ['expunged', 'folder'])
    .andWhere('gone_at', '<', before)
    .delete();
}

/** Earlier flag states (a later row of the same message follows) closed before `before`. */
export async function deleteSupersededRows(q: Knex, tenantId: string, before: string): Promise<number> {
  return q('backup_messages').where({ tenant_id: tenantId, close_reason: 'flags' }).andWhere('gone_at', '<', before).delete();
}

/** Folder incarnations gone before `before` that no message row names any more. */
export async function deleteEmptyGoneFolders(q: Knex, tenantId: string, before: string): Promise<number> {
  return q('backup_folders')
    .where({ tenant_id: tenantId })
    .andWhere('gone_at', '<', before)
    .whereNotExists(q('backup_messages').select(q.raw('1')).whereRaw('backup_messages.folder_id = backup_folders.id'))
    .delete();
}

/** Which of `hashes` some index row of the tenant still names (any interval, open or closed). */
export async function referencedHashes(q: Knex, tenantId: string, hashes: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < hashes.length; i += IN_CHUNK_EXTRAS) {
    const rows = await q('backup_messages')
      .where({ tenant_id: tenantId })
      .whereIn('hash', hashes.slice(i, i + IN_CHUNK_EXTRAS))
      .distinct('hash');
    for (const r of rows as Array<{ hash: string }>) out.add(r.hash);
  }
  return out;
}

/** Every body hash the index names, in pages (keyset by hash), for the integrity check. */
export async function indexedHashesPage(q: Knex, tenantId: string, after: string, limit: number): Promise<string[]> {
  const rows = (await q('backup_messages')
    .where({ tenant_id: tenantId })
    .andWhere('hash', '>', after)
    .distinct('hash')
    .orderBy('hash')
    .limit(limit)) as Array<{ hash: string }>;
  return rows.map((r) => r.hash);
}

/** Distinct account ids the tenant's index names (also of purged accounts). */
export async function indexedAccounts(q: Knex, tenantId: string): Promise<string[]> {
  const rows = (await q('backup_folders').where({ tenant_id: tenantId }).distinct('account_id')) as Array<{ account_id: string }>;
  return rows.map((r) => r.account_id);
}

/** Random sample of messages present now (open intervals) of the tenant. */
export async function sampleOpenMessages(q: Knex, tenantId: string, n: number): Promise<BackupMessageRow[]> {
  return q('backup_messages').where({ tenant_id: tenantId }).whereNull('gone_at').orderByRaw('RANDOM()').limit(n).select('*');
}

export async function insertCheck(q: Knex, row: CheckRow): Promise<void> {
  await q('backup_checks').insert(row);
}

export async function finishCheck(
  q: Knex,
  id: string,
  patch: Pick<CheckRow, 'status' | 'finished_at' | 'result' | 'error'>,
): Promise<void> {
  await q('backup_checks').where({ id }).update(patch);
}

export async function lastChecks(q: Knex, tenantId: string, kind: CheckRow['kind'], limit: number): Promise<CheckRow[]> {
  return q<CheckRow>('backup_checks').where({ tenant_id: tenantId, kind }).orderBy('started_at', 'desc').limit(limit);
}

/** The newest checks of the tenant, of one kind or of both. */
export async function recentChecks(q: Knex, tenantId: string, kind: CheckRow['kind'] | undefined, limit: number): Promise<CheckRow[]> {
  const query = q<CheckRow>('backup_checks').where({ tenant_id: tenantId });
  if (kind) query.andWhere({ kind });
  return query.orderBy('started_at', 'desc').orderBy('id').limit(limit);
}

export async function insertNotification(q: Knex, row: Omit<NotificationRow, 'id'>): Promise<number> {
  const [r] = await q('backup_notifications').insert(row).returning('id');
  return typeof r === 'object' ? Number((r as { id: number }).id) : Number(r);
}

export async function listNotifications(q: Knex, tenantId: string, limit: number): Promise<NotificationRow[]> {
  return q<NotificationRow>('backup_notifications').where({ tenant_id: tenantId }).orderBy('id', 'desc').limit(limit);
}
