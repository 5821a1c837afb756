// MigrationStateStore over knex: the control plane passes its own (SQLite or PostgreSQL),
// the standalone CLI opens a local SQLite file (openSqliteStateStore).
import type { Knex } from 'knex';
import { STATE_INSERT_CHUNK, STATE_LOOKUP_CHUNK } from '../limits';
import { chunk } from '../../platform/mail/uidset';
import type { FolderState, MessageRecord, MigrationStateStore, RecordCounts, RecordRange } from './store';

/** Rows per query when the engine reads a folder's destination UIDs: bounded memory per query. */
const DEST_UID_PAGE = 20_000;

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
    sourceMessages: num(r.source_messages),
    destUidNext: num(r.dest_uidnext),
    destMessages: num(r.dest_messages),
  };
}

function recordFromRow(r: Row): MessageRecord {
  return {
    sourceUidValidity: Number(r.source_uidvalidity),
    sourceUid: Number(r.source_uid),
    destUid: num(r.dest_uid),
    sha256: (r.sha256 as string | null) ?? null,
    size: Number(r.size),
    flags: r.flags ? String(r.flags).split(' ').filter(Boolean) : [],
    status: r.status as MessageRecord['status'],
    reason: (r.reason as string | null) ?? null,
  };
}

/** The markers that describe what the records hold: gone with them. */
const NO_MARKERS = { source_uidnext: null, source_highestmodseq: null, source_messages: null, dest_uidnext: null, dest_messages: null };

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
        .update({
          dest_path: destPath,
          dest_uidvalidity: null,
          ...NO_MARKERS,
          updated_at: this.knex.fn.now(),
        });
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
    if (patch.sourceMessages !== undefined) u.source_messages = patch.sourceMessages;
    if (patch.destUidNext !== undefined) u.dest_uidnext = patch.destUidNext;
    if (patch.destMessages !== undefined) u.dest_messages = patch.destMessages;
    await this.knex('migration_folders').where({ id }).update(u);
  }

  async loadMessages(folderId: number, range?: RecordRange): Promise<MessageRecord[]> {
    const query = (uids?: readonly number[]) => {
      const q = this.knex('migration_messages').where({ folder_id: folderId });
      if (range) {
        q.andWhere({ source_uidvalidity: range.sourceUidValidity }).andWhere('source_uid', '>=', range.from);
        if (range.to !== null) q.andWhere('source_uid', '<=', range.to);
        if (uids) q.whereIn('source_uid', uids);
      }
      return q;
    };
    if (!range?.uids) return ((await query()) as Row[]).map(recordFromRow);
    const out: MessageRecord[] = [];
    for (const part of chunk(range.uids, STATE_LOOKUP_CHUNK)) for (const r of (await query(part)) as Row[]) out.push(recordFromRow(r));
    return out;
  }

  async staleMessages(folderId: number, sourceUidValidity: number): Promise<MessageRecord[]> {
    const rows: Row[] = await this.knex('migration_messages')
      .where({ folder_id: folderId })
      .whereNot({ source_uidvalidity: sourceUidValidity });
    return rows.map(recordFromRow);
  }

  async mappedDestUids(folderId: number, sourceUidValidity: number): Promise<number[]> {
    const out: number[] = [];
    for (let after = -1; ;) {
      const page = (await this.knex('migration_messages')
        .where({ folder_id: folderId, source_uidvalidity: sourceUidValidity })
        .whereNotNull('dest_uid')
        .whereNot({ status: 'removed' })
        .andWhere('dest_uid', '>', after)
        .orderBy('dest_uid')
        .limit(DEST_UID_PAGE)
        .pluck('dest_uid')) as unknown[];
      for (const v of page) out.push(Number(v));
      if (page.length < DEST_UID_PAGE) return out;
      after = out[out.length - 1];
    }
  }

  async counts(folderId: number, sourceUidValidity: number): Promise<RecordCounts> {
    const row = (await this.knex('migration_messages')
      .where({ folder_id: folderId })
      .select(
        this.knex.raw('SUM(CASE WHEN source_uidvalidity = ? THEN 1 ELSE 0 END) AS current', [sourceUidValidity]),
        this.knex.raw('SUM(CASE WHEN source_uidvalidity = ? THEN 0 ELSE 1 END) AS stale', [sourceUidValidity]),
        this.knex.raw(`SUM(CASE WHEN source_uidvalidity = ? AND status IN ('skipped', 'unconfirmed') THEN 1 ELSE 0 END) AS pending`, [
          sourceUidValidity,
        ]),
        this.knex.raw('MAX(CASE WHEN source_uidvalidity = ? THEN dest_uid END) AS max_dest_uid', [sourceUidValidity]),
        this.knex.raw('SUM(CASE WHEN source_uidvalidity = ? THEN size ELSE 0 END) AS bytes', [sourceUidValidity]),
      )
      .first()) as Row | undefined;
    return {
      current: Number(row?.current ?? 0),
      stale: Number(row?.stale ?? 0),
      pending: Number(row?.pending ?? 0),
      maxDestUid: num(row?.max_dest_uid),
      bytes: Number(row?.bytes ?? 0),
    };
  }

  async flagSets(folderId: number, sourceUidValidity: number): Promise<string[][]> {
    const rows = (await this.knex('migration_messages')
      .where({ folder_id: folderId, source_uidvalidity: sourceUidValidity })
      .distinct('flags')
      .pluck('flags')) as unknown[];
    return rows.map((f) =>
      String(f ?? '')
        .split(' ')
        .filter(Boolean),
    );
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

  async markAllRemoved(folderId: number): Promise<number> {
    // one UPDATE: a folder of 500,000 records is never loaded for it
    return this.knex('migration_messages')
      .where({ folder_id: folderId })
      .whereNotIn('status', ['skipped', 'removed'])
      .update({ status: 'removed', dest_uid: null });
  }

  async clearMessages(folderId: number): Promise<void> {
    await this.knex('migration_messages').where({ folder_id: folderId }).del();
    // the sync markers describe what the records hold: without records, a CONDSTORE delta from the old
    // HIGHESTMODSEQ would see only recent changes and leave the folder incomplete
    await this.knex('migration_folders')
      .where({ id: folderId })
      .update({ ...NO_MARKERS, updated_at: this.knex.fn.now() });
  }
}
