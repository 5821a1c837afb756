/** Row shapes of the backup tables, as knex returns them (snake_case, times as ISO text). */
export interface BackupKeyRow {
  tenant_id: string;
  key_id: string;
  sealed_key: string;
  created_at: string;
}

export interface BackupBlobRow {
  tenant_id: string;
  hash: string;
  size: number;
  stored_bytes: number;
  created_at: string;
}

export interface BackupFolderRow {
  id: number;
  tenant_id: string;
  account_id: string;
  name: string;
  delimiter: string | null;
  special_use: string | null;
  uidvalidity: number;
  uidnext: number | null;
  highest_modseq: string | null;
  messages: number;
  first_seen: string;
  gone_at: string | null;
  synced_at: string | null;
}

export interface BackupMessageRow {
  id: number;
  tenant_id: string;
  account_id: string;
  folder_id: number;
  folder: string;
  uidvalidity: number;
  uid: number;
  hash: string;
  size: number;
  internal_date: string;
  /** JSON array, sorted */
  flags: string;
  modseq: string | null;
  message_id: string | null;
  subject: string | null;
  from_addr: string | null;
  to_addr: string | null;
  sent_at: string | null;
  first_seen: string;
  gone_at: string | null;
  close_reason: 'expunged' | 'flags' | 'folder' | null;
}

export interface BackupPassRow {
  id: string;
  tenant_id: string;
  account_id: string;
  trigger: 'schedule' | 'demand';
  status: 'running' | 'done' | 'failed';
  started_at: string;
  finished_at: string | null;
  stats: string | null;
  error: string | null;
}

export interface BackupRestoreRow {
  id: string;
  tenant_id: string;
  account_id: string;
  actor: string;
  reason: string;
  scope: 'messages' | 'folder' | 'account';
  request: string;
  as_of: string;
  status: 'running' | 'done' | 'failed';
  stats: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface BackupSettingsRow {
  tenant_id: string;
  every_minutes: number;
  enabled: boolean | number;
  updated_at: string;
}
