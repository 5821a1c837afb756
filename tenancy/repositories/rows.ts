/** Row shapes of the control plane's tables, as knex returns them (snake_case, times as ISO text). */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: 'active' | 'suspended';
  pool_bytes: number;
  default_allocation_bytes: number;
  created_at: string;
  updated_at: string;
}

export interface DomainRow {
  id: string;
  tenant_id: string;
  name: string;
  status: 'verified' | 'active' | 'suspended';
  /** whether the tenant has shown it owns the name (shared/domain-ownership.ts); only verified domains take mail and accounts */
  verification_status: 'pending' | 'verified';
  /** what the TXT record must say; null for domains verified without DNS (by an operator) */
  verification_token: string | null;
  verification_checked_at: string | null;
  verification_error: string | null;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export type AccountStatus = 'active' | 'suspended' | 'deleting';

export interface AccountRow {
  id: string;
  tenant_id: string;
  domain_id: string;
  local_part: string;
  address: string;
  display_name: string;
  password_hash: string;
  status: AccountStatus;
  allocation_bytes: number;
  mail_path: string;
  delete_after: string | null;
  created_at: string;
  updated_at: string;
}

export interface AliasRow {
  id: string;
  tenant_id: string;
  domain_id: string;
  address: string;
  account_id: string;
  created_at: string;
}

export interface ForwardingRow {
  id: string;
  tenant_id: string;
  account_id: string;
  target_address: string;
  keep_copy: number;
  created_at: string;
}

export interface StaffRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: string;
  tenant_id: string | null;
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
  /** the TOTP secret, sealed with the platform key (shared/second-factor.ts); null: no second factor */
  totp_secret?: string | null;
  totp_enabled_at?: string | null;
  /** the last TOTP time step a code was taken in (bigint: a string on PostgreSQL) */
  totp_last_step?: number | string | null;
  /** an enrolment started and not yet confirmed: its sealed secret and when it was started */
  totp_pending_secret?: string | null;
  totp_pending_at?: string | null;
}

export interface TokenRow {
  id: string;
  name: string;
  token_hash: string;
  prefix: string;
  role: string;
  tenant_id: string | null;
  /** the staff user who owns the token (made it); null for the CLI's tokens, which no staff user owns */
  created_by: string | null;
  /** who made it, as the audit log names them: an e-mail address, `token:<name>`, `cli:<user>` */
  created_by_label: string | null;
  created_at: string;
  /** null: never (an operator's explicit choice) */
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}
