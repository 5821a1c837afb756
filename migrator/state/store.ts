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
  /** MESSAGES at the source when the last complete pass began (with sourceUidNext and sourceHighestModseq). */
  sourceMessages: number | null;
  /** UIDNEXT and MESSAGES of the destination when the last complete pass ended, when the pass could account
   * for every destination message it added or removed; null otherwise (the next delta lists the folder). */
  destUidNext: number | null;
  destMessages: number | null;
}

/** Records of one source UIDVALIDITY and a source UID range (`to` null: no upper bound). */
export interface RecordRange {
  sourceUidValidity: number;
  from: number;
  to: number | null;
  /** only these source UIDs of the range (a retry of a few messages) */
  uids?: readonly number[];
}

/** Counts over a folder's records, by one SQL query each (no record is loaded). */
export interface RecordCounts {
  /** Records of this source UIDVALIDITY. */
  current: number;
  /** Records of any other (older) source UIDVALIDITY. */
  stale: number;
  /** Records of this UIDVALIDITY that every pass must look at again: skipped by policy, unconfirmed. */
  pending: number;
  /** The highest destination UID a record names. */
  maxDestUid: number | null;
  /** Sum of the sizes of the records of this UIDVALIDITY (their source messages' RFC822.SIZE). */
  bytes: number;
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
  /** Every record of the folder in one query, or only those of `range` (by source UID). */
  loadMessages(folderId: number, range?: RecordRange): Promise<MessageRecord[]>;
  /** Records of other source UIDVALIDITYs than this one (stale after a UIDVALIDITY change). */
  staleMessages(folderId: number, sourceUidValidity: number): Promise<MessageRecord[]>;
  /** Destination UIDs of the records of this source UIDVALIDITY that hold one (removed ones aside), ascending. */
  mappedDestUids(folderId: number, sourceUidValidity: number): Promise<number[]>;
  counts(folderId: number, sourceUidValidity: number): Promise<RecordCounts>;
  /** The distinct flag sets the records of this UIDVALIDITY hold (pre-flight's keyword check of an unchanged folder). */
  flagSets(folderId: number, sourceUidValidity: number): Promise<string[][]>;
  /** Inserts or replaces records, batched in one transaction. */
  putMessages(folderId: number, records: readonly MessageRecord[]): Promise<void>;
  deleteMessages(folderId: number, keys: ReadonlyArray<Pick<MessageRecord, 'sourceUidValidity' | 'sourceUid'>>): Promise<void>;
  /**
   * The destination folder was deleted and made again by the user after the switch: every copy the
   * records hold (skipped and removed ones aside) becomes `removed`, never copied again. Answers how many.
   */
  markAllRemoved(folderId: number): Promise<number>;
  /** Drops every record of the folder (the destination folder was recreated) and its sync markers. */
  clearMessages(folderId: number): Promise<void>;
}
