// MigrationStateStore over knex: the control plane passes its own (SQLite or PostgreSQL),
// the standalone CLI opens a local SQLite file (openSqliteStateStore).
import type { Knex } from 'knex';
import { STATE_INSERT_CHUNK } from '../limits';
import { chunk } from '../../platform/mail/uidset';
import type { FolderState, MessageRecord, MigrationStateStore } from './store';

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function folderFromRow(r: Row): FolderState {
  return {
    id: Number(r.id),
    sourcePath: String(r.source_path),
    destPath: String(r.dest_path),
    sourceUidValidity: num(r.source_uidvalidity),
    sourceUidNext: num(r.source_uidnext),
    sourceHighestModseq: r.source_highestmodseq == null ? null : String(r.source_highestmodseq),
    destUidValidity: num(r.dest_uidvalidity),
  };
}

export class KnexStateStore implements MigrationStateStore {
  constructor(private readonly knex: Knex) {}

  async folder(migrationId: string, accountKey: string, sourcePath: string, destPath: string): Promise<FolderState> {
    const where = { account_key: accountKey, source_path: sourcePath };
    let row = await this.knex('migration_folders').where(where).first();
    if (!row) {
      await this.knex('migration_folders')
        .insert({ ...where, migration_id: migrationId, dest_path: destPath })
        .onConflict(['account_key', 'source_path'])
        .ignore();
      row = await this.knex('migration_folders').where(where).first();
    } else if (row.dest_path !== destPath) {
      // the destination name changed (new folder map): the old map no longer applies
      await this.knex('migration_messages').where({ folder_id: row.id }).del();
      await this.knex('migration_folders')
        .where({ id: row.id })
        .update({ dest_path: destPath, dest_uidvalidity: null, updated_at: this.knex.fn.now() });
      row = await this.knex('migration_folders').where(where).first();
    }
    return folderFromRow(row);
  }

  async findFolder(accountKey: string, sourcePath: string): Promise<FolderState | null> {
    const row = await this.knex('migration_folders').where({ account_key: accountKey, source_path: sourcePath }).first();
    return row ? folderFromRow(row) : null;
  }

  async updateFolder(id: number, patch: Partial<Omit<FolderState, 'id' | 'sourcePath'>>): Promise<void> {
    const u: Row = { updated_at: this.knex.fn.now() };
    if (patch.destPath !== undefined) u.dest_path = patch.destPath;
    if (patch.sourceUidValidity !== undefined) u.source_uidvalidity = patch.sourceUidValidity;
    if (patch.sourceUidNext !== undefined) u.source_uidnext = patch.sourceUidNext;
    if (patch.sourceHighestModseq !== undefined) u.source_highestmodseq = patch.sourceHighestModseq;
    if (patch.destUidValidity !== undefined) u.dest_uidvalidity = patch.destUidValidity;
    await this.knex('migration_folders').where({ id }).update(u);
  }

  async loadMessages(folderId: number): Promise<MessageRecord[]> {
    const rows: Row[] = await this.knex('migration_messages').where({ folder_id: folderId });
    return rows.map((r) => ({
      sourceUidValidity: Number(r.source_uidvalidity),
      sourceUid: Number(r.source_uid),
      destUid: num(r.dest_uid),
      sha256: (r.sha256 as string | null) ?? null,
      size: Number(r.size),
      flags: r.flags ? String(r.flags).split(' ').filter(Boolean) : [],
      status: r.status as MessageRecord['status'],
      reason: (r.reason as string | null) ?? null,
    }));
  }

  async putMessages(folderId: number, records: readonly MessageRecord[]): Promise<void> {
    if (!records.length) return;
    await this.knex.transaction(async (trx) => {
      for (const part of chunk(records, STATE_INSERT_CHUNK)) {
        await trx('migration_messages')
          .insert(
            part.map((r) => ({
              folder_id: folderId,
              source_uidvalidity: r.sourceUidValidity,
              source_uid: r.sourceUid,
              dest_uid: r.destUid,
              sha256: r.sha256,
              size: r.size,
              flags: r.flags.join(' '),
              status: r.status,
              reason: r.reason ?? null,
            })),
          )
          .onConflict(['folder_id', 'source_uidvalidity', 'source_uid'])
          .merge();
      }
    });
  }

  async deleteMessages(folderId: number, keys: ReadonlyArray<Pick<MessageRecord, 'sourceUidValidity' | 'sourceUid'>>): Promise<void> {
    if (!keys.length) return;
    await this.knex.transaction(async (trx) => {
      const byValidity = new Map<number, number[]>();
      for (const k of keys) {
        const list = byValidity.get(k.sourceUidValidity) ?? [];
        list.push(k.sourceUid);
        byValidity.set(k.sourceUidValidity, list);
      }
      for (const [validity, uids] of byValidity) {
        for (const part of chunk(uids, 500)) {
          await trx('migration_messages').where({ folder_id: folderId, source_uidvalidity: validity }).whereIn('source_uid', part).del();
        }
      }
    });
  }

  async clearMessages(folderId: number): Promise<void> {
    await this.knex('migration_messages').where({ folder_id: folderId }).del();
  }
}
