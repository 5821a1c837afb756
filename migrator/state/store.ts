// The migrator's state store: what was copied where, so reruns and resumes copy nothing twice.
// Implemented over knex (knex-store.ts); unit tests use the in-memory one (memory-store.ts).

export interface FolderState {
  id: number;
  sourcePath: string;
  destPath: string;
  sourceUidValidity: number | null;
  sourceUidNext: number | null;
  /** decimal string: MODSEQ is up to 63 bits */
  sourceHighestModseq: string | null;
  destUidValidity: number | null;
}

/**
 * removed: copied, then removed (deleted, moved) on the destination by the user after the switch: never copied again.
 * unconfirmed: APPENDed to a destination without UIDPLUS, and no new destination message had its bytes
 * (destUid null): a later pass before the switch looks for it by hash again, and copies it when it is not there.
 * altered: copied in the one form the protocol allows, but the destination stores other bytes (it re-encodes
 * NUL bytes); `destUid` is that copy, `reason` says why. It is not copied again.
 */
export type MessageStatus = 'copied' | 'present' | 'skipped' | 'removed' | 'unconfirmed' | 'altered';

export interface MessageRecord {
  sourceUidValidity: number;
  sourceUid: number;
  destUid: number | null;
  sha256: string | null;
  size: number;
  flags: string[];
  status: MessageStatus;
  reason?: string | null;
}

export interface MigrationStateStore {
  /** The folder's state, created empty on first use. */
  folder(migrationId: string, accountKey: string, sourcePath: string, destPath: string): Promise<FolderState>;
  /** Read-only lookup (pre-flight, verification, dry runs): never creates or resets anything. */
  findFolder(accountKey: string, sourcePath: string): Promise<FolderState | null>;
  updateFolder(id: number, patch: Partial<Omit<FolderState, 'id' | 'sourcePath'>>): Promise<void>;
  /** Every record of the folder in one query (linear; callers index it in memory). */
  loadMessages(folderId: number): Promise<MessageRecord[]>;
  /** Inserts or replaces records, batched in one transaction. */
  putMessages(folderId: number, records: readonly MessageRecord[]): Promise<void>;
  deleteMessages(folderId: number, keys: ReadonlyArray<Pick<MessageRecord, 'sourceUidValidity' | 'sourceUid'>>): Promise<void>;
  /** Drops every record of the folder (the destination folder was recreated) and its sync markers. */
  clearMessages(folderId: number): Promise<void>;
}
