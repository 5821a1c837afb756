import { z } from 'zod';
import type { AuditRow } from '../platform/audit';
import { displayDomain } from './shared/addresses';
import { verificationRecord } from './shared/verification-record';
import type { AccountRow, AliasRow, DomainRow, ForwardingRow, StaffRow, TenantRow, TokenRow } from './repositories/rows';

/**
 * What the API, the CLI's --json output and the audit log's snapshots show of each resource. Rows are
 * never handed out as they are: password hashes and token hashes stay in the database. Each presenter
 * has its zod schema beside it, which the routes use as their response schema (and so OpenAPI).
 */
export const Tenant = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  poolBytes: z.number(),
  defaultAllocationBytes: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const presentTenant = (r: TenantRow): z.infer<typeof Tenant> => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  status: r.status,
  poolBytes: Number(r.pool_bytes),
  defaultAllocationBytes: Number(r.default_allocation_bytes),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const Domain = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  unicodeName: z.string(),
  status: z.enum(['verified', 'active', 'suspended']),
  /**
   * Ownership: a pending domain takes no mail and no accounts until the TXT record shown here is found
   * (or an operator marks it verified). `record` is null for a domain verified without DNS.
   */
  verification: z.object({
    status: z.enum(['pending', 'verified']),
    record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }).nullable(),
    checkedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    verifiedAt: z.string().nullable(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const presentDomain = (r: DomainRow): z.infer<typeof Domain> => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  unicodeName: displayDomain(r.name),
  status: r.status,
  verification: {
    status: r.verification_status ?? 'verified',
    record: r.verification_token ? verificationRecord(r.name, r.verification_token) : null,
    checkedAt: r.verification_checked_at ?? null,
    lastError: r.verification_error ?? null,
    verifiedAt: r.verified_at ?? null,
  },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const Account = z.object({
  id: z.string(),
  tenantId: z.string(),
  domainId: z.string(),
  address: z.string(),
  displayName: z.string(),
  status: z.enum(['active', 'suspended', 'deleting']),
  allocationBytes: z.number(),
  deleteAfter: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const presentAccount = (r: AccountRow): z.infer<typeof Account> => ({
  id: r.id,
  tenantId: r.tenant_id,
  domainId: r.domain_id,
  address: r.address,
  displayName: r.display_name,
  status: r.status,
  allocationBytes: Number(r.allocation_bytes),
  deleteAfter: r.delete_after ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const Alias = z.object({
  id: z.string(),
  tenantId: z.string(),
  address: z.string(),
  accountId: z.string(),
  accountAddress: z.string().optional(),
  createdAt: z.string(),
});
export const presentAlias = (r: AliasRow & { account_address?: string }): z.infer<typeof Alias> => ({
  id: r.id,
  tenantId: r.tenant_id,
  address: r.address,
  accountId: r.account_id,
  ...(r.account_address ? { accountAddress: r.account_address } : {}),
  createdAt: r.created_at,
});

export const Forwarding = z.object({
  id: z.string(),
  tenantId: z.string(),
  accountId: z.string(),
  targetAddress: z.string(),
  keepCopy: z.boolean(),
  createdAt: z.string(),
});
export const presentForwarding = (r: ForwardingRow): z.infer<typeof Forwarding> => ({
  id: r.id,
  tenantId: r.tenant_id,
  accountId: r.account_id,
  targetAddress: r.target_address,
  keepCopy: Number(r.keep_copy) === 1,
  createdAt: r.created_at,
});

export const Staff = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  tenantId: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  /** whether a second factor (TOTP) is enrolled; never the secret */
  secondFactor: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const presentStaff = (r: StaffRow): z.infer<typeof Staff> => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  tenantId: r.tenant_id ?? null,
  status: r.status,
  secondFactor: !!r.totp_enabled_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const Token = z.object({
  id: z.string(),
  name: z.string(),
  /** the first characters of the secret, to recognise a token in a list */
  prefix: z.string(),
  role: z.string(),
  tenantId: z.string().nullable(),
  /** the staff user who owns the token (disabling them revokes it); null for tokens the CLI made */
  createdBy: z.string().nullable(),
  /** who made it, as the audit log names them (e-mail address, token:<name>, cli:<user>) */
  createdByLabel: z.string().nullable(),
  createdAt: z.string(),
  /** null: the token never expires (only an operator can choose that) */
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const presentToken = (r: TokenRow): z.infer<typeof Token> => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  tenantId: r.tenant_id ?? null,
  createdBy: r.created_by ?? null,
  createdByLabel: r.created_by_label ?? null,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? null,
  lastUsedAt: r.last_used_at ?? null,
  revokedAt: r.revoked_at ?? null,
});

export const AuditEntry = z.object({
  id: z.number(),
  at: z.string(),
  /** id: the actor as the log names it (an e-mail address, token:name, cli:user); ref: its stable id (a staff user's or token's id), null before chains */
  actor: z.object({ type: z.string(), id: z.string().nullable(), ref: z.string().nullable(), role: z.string().nullable() }),
  tenantId: z.string().nullable(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
  hash: z.string(),
  prevHash: z.string(),
  /** the chain the entry is on (a tenant's id, or `platform`) and its place in it; null for entries older than the chains */
  chain: z.object({ id: z.string(), seq: z.number() }).nullable(),
});
const parseJson = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
export const presentAudit = (r: AuditRow): z.infer<typeof AuditEntry> => ({
  id: Number(r.id),
  at: r.at,
  actor: { type: r.actor_type, id: r.actor_id, ref: r.actor_ref ?? null, role: r.actor_role },
  tenantId: r.tenant_id,
  action: r.action,
  target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
  before: parseJson(r.before),
  after: parseJson(r.after),
  ip: r.ip,
  hash: r.hash,
  prevHash: r.prev_hash,
  chain: r.chain_id ? { id: r.chain_id, seq: Number(r.seq) } : null,
});
