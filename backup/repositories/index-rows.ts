// The message index: folders (one row per incarnation) and messages (one row per validity interval).
import type { Knex } from 'knex';
import type { BackupFolderRow, BackupMessageRow } from './rows';

/** SQLite's bound-parameter limit is 32766 in recent builds, 999 in old ones: stay far below either. */
const IN_CHUNK = 500;

export type NewMessageRow = Omit<BackupMessageRow, 'id' | 'gone_at' | 'close_reason'>;

export async function liveFolders(q: Knex, accountId: string): Promise<BackupFolderRow[]> {
  return q<BackupFolderRow>('backup_folders').where({ account_id: accountId }).whereNull('gone_at');
}

export async function insertFolder(q: Knex, row: Omit<BackupFolderRow, 'id'>): Promise<number> {
  // a killed pass may have created the incarnation already: reuse it
  await q('backup_folders').insert(row).onConflict(['account_id', 'name', 'uidvalidity']).ignore();
  const found = await q<BackupFolderRow>('backup_folders')
    .where({ account_id: row.account_id, name: row.name, uidvalidity: row.uidvalidity })
    .first('id', 'gone_at');
  if (found!.gone_at) await q('backup_folders').where({ id: found!.id }).update({ gone_at: null });
  return Number(found!.id);
}

export async function updateFolder(q: Knex, id: number, patch: Partial<BackupFolderRow>): Promise<void> {
  await q('backup_folders').where({ id }).update(patch);
}

/** The folder incarnation went (deleted, renamed, UIDVALIDITY changed): it and its open intervals close. */
export async function closeFolder(q: Knex, id: number, at: string): Promise<number> {
  await q('backup_folders').where({ id }).update({ gone_at: at });
  return q('backup_messages').where({ folder_id: id }).whereNull('gone_at').update({ gone_at: at, close_reason: 'folder' });
}

export async function touchFolders(q: Knex, ids: number[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    await q('backup_folders')
      .whereIn('id', ids.slice(i, i + IN_CHUNK))
      .update({ synced_at: at });
  }
}

/** Open intervals of a folder incarnation: what the last pass saw there. */
export async function openMessages(q: Knex, folderId: number): Promise<Array<Pick<BackupMessageRow, 'id' | 'uid' | 'flags' | 'hash'>>> {
  return q<BackupMessageRow>('backup_messages').where({ folder_id: folderId }).whereNull('gone_at').select('id', 'uid', 'flags', 'hash');
}

export async function openMessagesByUid(q: Knex, folderId: number, uids: number[]): Promise<BackupMessageRow[]> {
  const out: BackupMessageRow[] = [];
  for (let i = 0; i < uids.length; i += IN_CHUNK) {
    out.push(
      ...(await q<BackupMessageRow>('backup_messages')
        .where({ folder_id: folderId })
        .whereNull('gone_at')
        .whereIn('uid', uids.slice(i, i + IN_CHUNK))),
    );
  }
  return out;
}

export async function insertMessages(q: Knex, rows: NewMessageRow[]): Promise<void> {
  // 20 columns a row: batches stay below SQLite's parameter limit
  for (let i = 0; i < rows.length; i += 40) {
    await q('backup_messages')
      .insert(rows.slice(i, i + 40))
      // the partial unique index (one open interval per folder and UID) makes a rerun's duplicate a no-op
      .onConflict()
      .ignore();
  }
}

export async function closeMessages(q: Knex, ids: number[], at: string, reason: 'expunged' | 'flags'): Promise<void> {
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    await q('backup_messages')
      .whereIn('id', ids.slice(i, i + IN_CHUNK))
      .whereNull('gone_at')
      .update({ gone_at: at, close_reason: reason });
  }
}

const openAt = (query: Knex.QueryBuilder, at: string) =>
  query.where('first_seen', '<=', at).andWhere((w) => w.whereNull('gone_at').orWhere('gone_at', '>', at));

/** What the folder (by name, any incarnation) held at `at`, as far as the backups saw it. */
export async function folderContentAt(q: Knex, accountId: string, folder: string, at: string): Promise<BackupMessageRow[]> {
  return openAt(q<BackupMessageRow>('backup_messages').where({ account_id: accountId, folder }), at).orderBy(['folder_id', 'uid']);
}

/** What the whole account held at `at`, folder by folder. */
export async function accountContentAt(q: Knex, accountId: string, at: string): Promise<BackupMessageRow[]> {
  return openAt(q<BackupMessageRow>('backup_messages').where({ account_id: accountId }), at).orderBy(['folder', 'uid']);
}

/** Names of the folders that existed at `at` (also empty ones). */
export async function foldersAt(q: Knex, accountId: string, at: string): Promise<BackupFolderRow[]> {
  return openAt(q<BackupFolderRow>('backup_folders').where({ account_id: accountId }), at).orderBy('name');
}

export async function messagesByIds(q: Knex, tenantId: string, ids: number[]): Promise<BackupMessageRow[]> {
  const out: BackupMessageRow[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    out.push(
      ...(await q<BackupMessageRow>('backup_messages')
        .where({ tenant_id: tenantId })
        .whereIn('id', ids.slice(i, i + IN_CHUNK))),
    );
  }
  return out;
}

export interface MessageSearch {
  tenantId: string;
  accountId?: string | undefined;
  folder?: string | undefined;
  /** LIKE patterns, already escaped */
  subject?: string | undefined;
  from?: string | undefined;
  text?: string | undefined;
  messageId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  deletedSince?: string | undefined;
  /** only messages present at this time */
  at?: string | undefined;
  limit: number;
  /** rows with an id below this one (newest first) */
  beforeId?: number | undefined;
}

export async function searchMessages(q: Knex, s: MessageSearch): Promise<BackupMessageRow[]> {
  const query = q<BackupMessageRow>('backup_messages').where({ tenant_id: s.tenantId });
  if (s.accountId) query.where({ account_id: s.accountId });
  if (s.folder) query.where({ folder: s.folder });
  if (s.messageId) query.where({ message_id: s.messageId });
  if (s.subject) query.whereRaw(`LOWER(subject) LIKE ? ESCAPE '\\'`, [s.subject.toLowerCase()]);
  if (s.from) query.whereRaw(`LOWER(from_addr) LIKE ? ESCAPE '\\'`, [s.from.toLowerCase()]);
  if (s.text) {
    const t = s.text.toLowerCase();
    query.where((w) => w.whereRaw(`LOWER(subject) LIKE ? ESCAPE '\\'`, [t]).orWhereRaw(`LOWER(from_addr) LIKE ? ESCAPE '\\'`, [t]));
  }
  if (s.since) query.where('internal_date', '>=', s.since);
  if (s.until) query.where('internal_date', '<', s.until);
  if (s.deletedSince) {
    // gone (expunged, moved away or its folder deleted), not merely re-flagged
    query.where('gone_at', '>=', s.deletedSince).whereIn('close_reason', ['expunged', 'folder']);
  }
  if (s.at) openAt(query, s.at);
  if (s.beforeId) query.where('id', '<', s.beforeId);
  return query.orderBy('id', 'desc').limit(s.limit);
}
