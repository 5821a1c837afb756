import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';
import { nowIso } from '../../platform/db';
import type { PassMode } from '../../migrator';
import { ACCOUNT_LEASE_MS } from '../limits';

/**
 * The SQL of migration projects: commands and processors go through these functions, never through
 * knex directly. `q` is the Db or a transaction.
 */
type Q = Knex | Knex.Transaction;

export type ProjectStatus = 'active' | 'cutover-scheduled' | 'cutting-over' | 'cut-over' | 'rolled-back';
export type AccountStatus = 'pending' | 'prestaging' | 'synced' | 'cutting-over' | 'verified' | 'live' | 'failed' | 'rolled-back';
export type Phase = 'prestage' | 'delta' | 'cutover' | 'catchup';

export interface ProjectRow {
  id: string;
  tenant_id: string;
  name: string;
  source_host: string;
  source_port: number;
  source_security: 'tls' | 'starttls' | 'plain';
  source_insecure: number;
  /** inbound mail relay to the source server before the switch (filters/) */
  relay_host?: string | null;
  relay_port?: number | null;
  auth_method: 'password' | 'master' | 'xoauth2';
  auth_user: string | null;
  master_style: 'sasl' | 'separator' | null;
  master_separator: string | null;
  credentials_sealed: string | null;
  options: string;
  delta_interval_ms: number | null;
  cutover_at: string | null;
  cutover_generation: number;
  catchup_window_ms: number;
  catchup_interval_ms: number;
  time_zone: string;
  status: ProjectStatus;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface MigrationAccountRow {
  id: string;
  project_id: string;
  tenant_id: string;
  source_user: string;
  account_id: string;
  destination_address: string;
  source_password_sealed: string | null;
  status: AccountStatus;
  generation: number;
  lease_owner: string | null;
  lease_until: string | null;
  phase: Phase | null;
  passes: number;
  last_pass_at: string | null;
  last_pass_mode: PassMode | null;
  messages_total: number;
  messages_done: number;
  bytes_done: number;
  copied_total: number;
  bytes_copied_total: number;
  failed_messages: number;
  missing_messages: number | null;
  last_report: string | null;
  verification_report: string | null;
  verified_at: string | null;
  switched_at: string | null;
  catchup_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const num = (v: unknown): number => Number(v ?? 0);

function projectFromRow(r: Record<string, unknown>): ProjectRow {
  return {
    ...(r as unknown as ProjectRow),
    source_port: num(r.source_port),
    source_insecure: num(r.source_insecure),
    delta_interval_ms: r.delta_interval_ms == null ? null : num(r.delta_interval_ms),
    cutover_generation: num(r.cutover_generation),
    catchup_window_ms: num(r.catchup_window_ms),
    catchup_interval_ms: num(r.catchup_interval_ms),
  };
}

function accountFromRow(r: Record<string, unknown>): MigrationAccountRow {
  const a = r as unknown as MigrationAccountRow;
  return {
    ...a,
    generation: num(r.generation),
    passes: num(r.passes),
    messages_total: num(r.messages_total),
    messages_done: num(r.messages_done),
    bytes_done: num(r.bytes_done),
    copied_total: num(r.copied_total),
    bytes_copied_total: num(r.bytes_copied_total),
    failed_messages: num(r.failed_messages),
    missing_messages: r.missing_messages == null ? null : num(r.missing_messages),
  };
}

// ---------------------------------------------------------------- projects

export async function insertProject(q: Q, row: ProjectRow): Promise<void> {
  await q('migration_projects').insert(row);
}

/** A project of another tenant answers exactly like a missing one (null). */
export async function findProject(
  q: Q,
  tenantId: string | null,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ProjectRow | null> {
  const query = q('migration_projects').where({ id });
  if (tenantId) query.andWhere({ tenant_id: tenantId });
  if (opts.forUpdate && q.client.config.client === 'pg') query.forUpdate();
  const r = await query.first();
  return r ? projectFromRow(r) : null;
}

export async function projectNameTaken(q: Q, tenantId: string, name: string): Promise<boolean> {
  return !!(await q('migration_projects').where({ tenant_id: tenantId, name }).first('id'));
}

export async function updateProject(q: Q, id: string, patch: Partial<ProjectRow>): Promise<void> {
  await q('migration_projects')
    .where({ id })
    .update({ ...patch, updated_at: nowIso() });
}

export async function listProjects(q: Q, tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<ProjectRow>> {
  const p = await paginate<Record<string, unknown>>(q('migration_projects').where({ tenant_id: tenantId }), { ...page, key: 'id' });
  return { items: p.items.map(projectFromRow), nextCursor: p.nextCursor };
}

export async function statusCounts(q: Q, projectIds: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (!projectIds.length) return out;
  const rows = (await q('migration_accounts')
    .whereIn('project_id', projectIds)
    .groupBy('project_id', 'status')
    .select('project_id', 'status')
    .count({ n: '*' })) as Array<{
    project_id: string;
    status: string;
    n: number | string;
  }>;
  for (const r of rows) {
    const m = out.get(r.project_id) ?? {};
    m[r.status] = Number(r.n);
    out.set(r.project_id, m);
  }
  return out;
}

// ---------------------------------------------------------------- accounts

export async function insertAccounts(q: Q, rows: MigrationAccountRow[]): Promise<void> {
  // chunks keep SQLite under its bound-variable limit (999 on old builds; ~30 columns per row)
  for (let i = 0; i < rows.length; i += 25) await q('migration_accounts').insert(rows.slice(i, i + 25));
}

export async function findAccount(q: Q, projectId: string, id: string): Promise<MigrationAccountRow | null> {
  const r = await q('migration_accounts').where({ project_id: projectId, id }).first();
  return r ? accountFromRow(r) : null;
}

export async function getAccount(q: Q, id: string): Promise<MigrationAccountRow | null> {
  const r = await q('migration_accounts').where({ id }).first();
  return r ? accountFromRow(r) : null;
}

export async function accountsOf(
  q: Q,
  projectId: string,
  opts: { statuses?: AccountStatus[]; ids?: string[] } = {},
): Promise<MigrationAccountRow[]> {
  const query = q('migration_accounts').where({ project_id: projectId }).orderBy('id');
  if (opts.statuses) query.whereIn('status', opts.statuses);
  if (opts.ids) query.whereIn('id', opts.ids);
  return ((await query) as Record<string, unknown>[]).map(accountFromRow);
}

export async function listAccounts(q: Q, projectId: string, page: { limit: number; cursor?: string }): Promise<Page<MigrationAccountRow>> {
  const p = await paginate<Record<string, unknown>>(q('migration_accounts').where({ project_id: projectId }), { ...page, key: 'id' });
  return { items: p.items.map(accountFromRow), nextCursor: p.nextCursor };
}

/**
 * Updates an account; with `whereStatus` only while it is still in one of those statuses, with
 * `whereGeneration` only while no newer start/retry/roll-back happened. Returns the rows changed.
 */
export async function updateAccount(
  q: Q,
  id: string,
  patch: Partial<MigrationAccountRow>,
  whereStatus?: AccountStatus[],
  whereGeneration?: number,
): Promise<number> {
  const query = q('migration_accounts').where({ id });
  if (whereStatus) query.whereIn('status', whereStatus);
  if (whereGeneration !== undefined) query.andWhere({ generation: whereGeneration });
  return Number(await query.update({ ...patch, updated_at: nowIso() }));
}

export async function updateAccounts(
  q: Q,
  projectId: string,
  whereStatus: AccountStatus[],
  patch: Partial<MigrationAccountRow>,
  ids?: string[],
): Promise<number> {
  const query = q('migration_accounts').where({ project_id: projectId }).whereIn('status', whereStatus);
  if (ids) query.whereIn('id', ids);
  return Number(await query.update({ ...patch, updated_at: nowIso() }));
}

export async function bumpGenerations(q: Q, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500)
    await q('migration_accounts')
      .whereIn('id', ids.slice(i, i + 500))
      .increment('generation', 1);
}

/** Destination accounts of the tenant by address (lower-case), for the CSV check. */
export async function tenantAccountsByAddress(
  q: Q,
  tenantId: string,
  addresses: string[],
): Promise<Map<string, { id: string; status: string }>> {
  const out = new Map<string, { id: string; status: string }>();
  for (let i = 0; i < addresses.length; i += 500) {
    const rows = (await q('accounts')
      .where({ tenant_id: tenantId })
      .whereIn('address', addresses.slice(i, i + 500))
      .select('id', 'address', 'status')) as Array<{
      id: string;
      address: string;
      status: string;
    }>;
    for (const r of rows) out.set(r.address, { id: r.id, status: r.status });
  }
  return out;
}

/** Account ids already being migrated by another project that is still under way. */
export async function accountsInOtherProjects(q: Q, accountIds: string[], exceptProject?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < accountIds.length; i += 500) {
    const query = q('migration_accounts')
      .whereIn('account_id', accountIds.slice(i, i + 500))
      .whereNotIn('status', ['live', 'rolled-back'])
      .select('account_id', 'project_id');
    if (exceptProject) query.whereNot('project_id', exceptProject);
    for (const r of (await query) as Array<{ account_id: string; project_id: string }>) out.set(r.account_id, r.project_id);
  }
  return out;
}

export async function setInboundRoute(q: Q, accountIds: string[], route: 'local' | 'source'): Promise<void> {
  for (let i = 0; i < accountIds.length; i += 500) {
    await q('accounts')
      .whereIn('id', accountIds.slice(i, i + 500))
      .update({ inbound_route: route, updated_at: nowIso() });
  }
}

export async function inboundRoute(q: Q, accountId: string): Promise<string | null> {
  const r = await q('accounts').where({ id: accountId }).first('inbound_route');
  return r ? String(r.inbound_route) : null;
}

// ---------------------------------------------------------------- leases: one pass at a time per account

/** Takes the account's lease for `owner` (a job id) when it is free, expired or already this owner's. */
export async function claimLease(q: Q, id: string, owner: string, phase: Phase, ttlMs = ACCOUNT_LEASE_MS): Promise<boolean> {
  const now = nowIso();
  const n = await q('migration_accounts')
    .where({ id })
    .andWhere((w) => w.whereNull('lease_until').orWhere('lease_until', '<', now).orWhere('lease_owner', owner))
    .update({ lease_owner: owner, lease_until: new Date(Date.now() + ttlMs).toISOString(), phase, updated_at: now });
  return Number(n) === 1;
}

/** Extends the lease while `owner` holds it; false when it no longer does. */
export async function renewLease(q: Q, id: string, owner: string, ttlMs = ACCOUNT_LEASE_MS): Promise<boolean> {
  const n = await q('migration_accounts')
    .where({ id, lease_owner: owner })
    .update({ lease_until: new Date(Date.now() + ttlMs).toISOString() });
  return Number(n) === 1;
}

export async function releaseLease(q: Q, id: string, owner: string): Promise<void> {
  await q('migration_accounts')
    .where({ id, lease_owner: owner })
    .update({ lease_owner: null, lease_until: null, phase: null, updated_at: nowIso() });
}

/** Progress counters, written by the throttled recorder; renews the lease at the same time. */
export async function writeProgress(
  q: Q,
  id: string,
  owner: string,
  p: { messagesTotal?: number; messagesDone: number; bytesDone: number },
  ttlMs = ACCOUNT_LEASE_MS,
): Promise<void> {
  await q('migration_accounts')
    .where({ id, lease_owner: owner })
    .update({
      ...(p.messagesTotal !== undefined ? { messages_total: p.messagesTotal } : {}),
      messages_done: p.messagesDone,
      bytes_done: p.bytesDone,
      lease_until: new Date(Date.now() + ttlMs).toISOString(),
      updated_at: nowIso(),
    });
}

// ---------------------------------------------------------------- events

export interface EventRow {
  id: number;
  project_id: string;
  migration_account_id: string | null;
  at: string;
  kind: string;
  message: string;
  data: string | null;
}

export async function addEvent(
  q: Q,
  e: { projectId: string; accountId?: string | null; kind: string; message: string; data?: unknown },
): Promise<void> {
  await q('migration_events').insert({
    project_id: e.projectId,
    migration_account_id: e.accountId ?? null,
    at: nowIso(),
    kind: e.kind,
    message: e.message.slice(0, 1000),
    data: e.data === undefined ? null : JSON.stringify(e.data),
  });
}

export async function listEvents(
  q: Q,
  projectId: string,
  opts: { accountId?: string; limit: number; cursor?: string },
): Promise<Page<EventRow>> {
  const query = q('migration_events').where({ project_id: projectId });
  if (opts.accountId) query.andWhere({ migration_account_id: opts.accountId });
  // the id is a bigint sequence: compare as a number, not as text
  const limit = opts.limit;
  const q2 = query
    .clone()
    .orderBy('id')
    .limit(limit + 1);
  if (opts.cursor) q2.where('id', '>', Number(Buffer.from(opts.cursor, 'base64url').toString('utf8')));
  const rows = ((await q2) as Array<Record<string, unknown>>).map((r) => ({ ...(r as unknown as EventRow), id: Number(r.id) }));
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: more && last ? Buffer.from(String(last.id), 'utf8').toString('base64url') : null };
}

/** Records a finished pass: absolute fields plus counters added to their running totals. */
export async function recordPass(
  q: Q,
  id: string,
  patch: Partial<MigrationAccountRow>,
  add: { passes: number; copied: number; bytesCopied: number },
): Promise<void> {
  await q('migration_accounts')
    .where({ id })
    .update({
      ...patch,
      passes: q.raw('passes + ?', [add.passes]),
      copied_total: q.raw('copied_total + ?', [add.copied]),
      bytes_copied_total: q.raw('bytes_copied_total + ?', [add.bytesCopied]),
      updated_at: nowIso(),
    });
}

/** A tenant by id or slug (the CLI takes either). */
export async function resolveTenantId(q: Q, idOrSlug: string): Promise<string | null> {
  const r = await q('tenants').where({ id: idOrSlug }).orWhere({ slug: idOrSlug }).first('id');
  return r ? String(r.id) : null;
}

/** A project of the tenant by id or name (the CLI takes either). */
export async function resolveProjectId(q: Q, tenantId: string, idOrName: string): Promise<string | null> {
  const r = await q('migration_projects')
    .where({ tenant_id: tenantId })
    .andWhere((w) => w.where({ id: idOrName }).orWhere({ name: idOrName }))
    .first('id');
  return r ? String(r.id) : null;
}

/** Messages and bytes copied by every pass of every migration account (the metrics' totals). */
export async function copiedTotals(q: Q): Promise<{ messages: number; bytes: number }> {
  const r = (await q('migration_accounts').first(
    q.raw('coalesce(sum(copied_total), 0) as m'),
    q.raw('coalesce(sum(bytes_copied_total), 0) as b'),
  )) as { m: number | string; b: number | string } | undefined;
  return { messages: Number(r?.m ?? 0), bytes: Number(r?.b ?? 0) };
}
