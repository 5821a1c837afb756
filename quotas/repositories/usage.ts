import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';

/**
 * Every SQL statement of the quotas module. Functions take a knex handle or a transaction (a
 * transaction is a Knex too), so the use cases decide what runs in which transaction.
 */
type Q = Knex;

export interface TenantQuotaRow {
  id: string;
  status: string;
  pool_bytes: number;
  default_allocation_bytes: number;
}

export interface AccountAllocationRow {
  id: string;
  tenant_id: string;
  address: string;
  status: string;
  allocation_bytes: number;
}

export interface UsageRow {
  account_id: string;
  tenant_id: string;
  used_bytes: number;
  used_messages: number;
  collected_at: string;
  warning_level: number;
}

export interface SampleRow {
  id: number;
  account_id: string;
  at: string;
  used_bytes: number;
  used_messages: number;
}

export interface NotificationRow {
  id: number;
  tenant_id: string;
  account_id: string | null;
  address: string;
  event: string;
  threshold: number;
  used_bytes: number;
  allocation_bytes: number;
  created_at: string;
  webhook_status: string;
  webhook_attempts: number;
  webhook_error: string | null;
}

const num = (v: unknown): number => Number(v ?? 0);

function account(r: Record<string, unknown>): AccountAllocationRow {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    address: String(r.address),
    status: String(r.status),
    allocation_bytes: num(r.allocation_bytes),
  };
}

/**
 * SQLite only (PostgreSQL locks rows instead): takes the database's write lock now, with a write that
 * matches no row. Must come first in a transaction that reads and then writes; see pool.ts for why.
 */
export async function takeWriteLock(trx: Knex.Transaction): Promise<void> {
  if (trx.client.config.client !== 'pg') await trx.raw('DELETE FROM quota_settings WHERE 0 = 1');
}

// ---------------------------------------------------------------- tenants and allocations

export async function findTenant(q: Q, tenantId: string): Promise<TenantQuotaRow | null> {
  const r = await q('tenants').where({ id: tenantId }).first('id', 'status', 'pool_bytes', 'default_allocation_bytes');
  return r
    ? { id: r.id, status: r.status, pool_bytes: num(r.pool_bytes), default_allocation_bytes: num(r.default_allocation_bytes) }
    : null;
}

export async function updatePool(
  q: Q,
  tenantId: string,
  values: { poolBytes: number; defaultAllocationBytes: number },
  now: string,
): Promise<void> {
  await q('tenants')
    .where({ id: tenantId })
    .update({ pool_bytes: values.poolBytes, default_allocation_bytes: values.defaultAllocationBytes, updated_at: now });
}

export async function allocationTotals(q: Q, tenantId: string): Promise<{ allocatedBytes: number; accounts: number }> {
  const r = await q('accounts')
    .where({ tenant_id: tenantId })
    .first(q.raw('coalesce(sum(allocation_bytes), 0) as s'), q.raw('count(*) as n'));
  return { allocatedBytes: num(r?.s), accounts: num(r?.n) };
}

/** The tenant's accounts among `ids` (others, and other tenants' accounts, are simply absent). */
export async function findAccounts(q: Q, tenantId: string, ids: string[]): Promise<AccountAllocationRow[]> {
  if (!ids.length) return [];
  const rows = await q('accounts')
    .where({ tenant_id: tenantId })
    .whereIn('id', ids)
    .select('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return rows.map(account);
}

/** Several accounts' allocations in one statement (one round trip while the pool lock is held). */
export async function setAllocations(q: Q, changes: Array<{ accountId: string; bytes: number }>, now: string): Promise<void> {
  if (!changes.length) return;
  const cases = changes.map(() => 'WHEN ? THEN CAST(? AS bigint)').join(' ');
  await q('accounts')
    .whereIn(
      'id',
      changes.map((c) => c.accountId),
    )
    .update({
      allocation_bytes: q.raw(
        `CASE id ${cases} END`,
        changes.flatMap((c) => [c.accountId, c.bytes]),
      ),
      updated_at: now,
    });
}

export async function findAccountByAddress(q: Q, address: string): Promise<AccountAllocationRow | null> {
  const r = await q('accounts').where({ address }).first('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return r ? account(r) : null;
}

export async function findAccountById(q: Q, id: string): Promise<AccountAllocationRow | null> {
  const r = await q('accounts').where({ id }).first('id', 'tenant_id', 'address', 'status', 'allocation_bytes');
  return r ? account(r) : null;
}

export async function findAliasTarget(q: Q, address: string): Promise<AccountAllocationRow | null> {
  const r = await q('aliases')
    .join('accounts', 'accounts.id', 'aliases.account_id')
    .where('aliases.address', address)
    .first('accounts.id', 'accounts.tenant_id', 'accounts.address', 'accounts.status', 'accounts.allocation_bytes');
  return r ? account(r) : null;
}

export async function forwardingsOf(q: Q, accountId: string): Promise<Array<{ target_address: string; keep_copy: boolean }>> {
  const rows = await q('forwardings').where({ account_id: accountId }).select('target_address', 'keep_copy');
  return rows.map((r) => ({ target_address: String(r.target_address).toLowerCase(), keep_copy: num(r.keep_copy) === 1 }));
}

/** Allocation list of a tenant with the recorded usage, paged by address. */
export async function listAllocations(q: Q, tenantId: string, page: { limit: number; cursor?: string | undefined }) {
  const query = q('accounts')
    .leftJoin('quota_usage', 'quota_usage.account_id', 'accounts.id')
    .where('accounts.tenant_id', tenantId)
    .select(
      'accounts.id',
      'accounts.address',
      'accounts.status',
      'accounts.allocation_bytes',
      'quota_usage.used_bytes',
      'quota_usage.used_messages',
      'quota_usage.collected_at',
      'quota_usage.warning_level',
    );
  return paginate<Record<string, unknown>>(query, { ...page, key: 'accounts.address' });
}

/** Accounts of every tenant (or one), paged by id, for collection and reconciliation. */
export async function accountsAfter(
  q: Q,
  opts: { afterId: string | null; limit: number; tenantId?: string | undefined },
): Promise<AccountAllocationRow[]> {
  const query = q('accounts').select('id', 'tenant_id', 'address', 'status', 'allocation_bytes').orderBy('id').limit(opts.limit);
  if (opts.afterId) query.where('id', '>', opts.afterId);
  if (opts.tenantId) query.where({ tenant_id: opts.tenantId });
  return (await query).map(account);
}

// ---------------------------------------------------------------- usage

export async function usageOf(q: Q, accountIds: string[]): Promise<Map<string, UsageRow>> {
  const out = new Map<string, UsageRow>();
  if (!accountIds.length) return out;
  const rows = await q('quota_usage').whereIn('account_id', accountIds);
  for (const r of rows) {
    out.set(r.account_id, {
      account_id: r.account_id,
      tenant_id: r.tenant_id,
      used_bytes: num(r.used_bytes),
      used_messages: num(r.used_messages),
      collected_at: r.collected_at,
      warning_level: num(r.warning_level),
    });
  }
  return out;
}

export async function tenantUsage(
  q: Q,
  tenantId: string,
): Promise<{ usedBytes: number; usedMessages: number; collectedAt: string | null }> {
  const r = await q('quota_usage')
    .where({ tenant_id: tenantId })
    .first(q.raw('coalesce(sum(used_bytes), 0) as b'), q.raw('coalesce(sum(used_messages), 0) as m'), q.raw('max(collected_at) as at'));
  return { usedBytes: num(r?.b), usedMessages: num(r?.m), collectedAt: (r?.at as string | null) ?? null };
}

/** Writes the latest figures of an account (insert or update), keeping its warning level. */
export async function saveUsage(q: Q, row: Omit<UsageRow, 'warning_level'>): Promise<void> {
  await q('quota_usage')
    .insert({ ...row, warning_level: 0 })
    .onConflict('account_id')
    .merge(['used_bytes', 'used_messages', 'collected_at', 'tenant_id']);
}

export async function insertSample(
  q: Q,
  row: { account_id: string; tenant_id: string; at: string; used_bytes: number; used_messages: number },
): Promise<void> {
  await q('quota_usage_samples').insert(row);
}

/**
 * Moves an account's warning level from `from` to `to`, only if it still is `from`: two collections
 * racing over the same account cannot both raise the same warning (the loser updates no row).
 */
export async function moveWarningLevel(q: Q, accountId: string, from: number, to: number): Promise<boolean> {
  const n = await q('quota_usage').where({ account_id: accountId, warning_level: from }).update({ warning_level: to });
  return Number(n) === 1;
}

export async function samplesPage(
  q: Q,
  accountId: string,
  opts: { since?: string | undefined; until?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<SampleRow>> {
  const query = q('quota_usage_samples').where({ account_id: accountId }).select('id', 'account_id', 'at', 'used_bytes', 'used_messages');
  if (opts.since) query.where('at', '>=', opts.since);
  if (opts.until) query.where('at', '<', opts.until);
  // ids grow with time (one writer order per account), so paging by id pages by time.
  const page = await paginate<Record<string, unknown>>(query, { limit: opts.limit, cursor: opts.cursor, key: 'id' });
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => ({
      id: num(r.id),
      account_id: String(r.account_id),
      at: String(r.at),
      used_bytes: num(r.used_bytes),
      used_messages: num(r.used_messages),
    })),
  };
}

/** Samples of a tenant's accounts since `since`, oldest first, for forecasts. */
export async function samplesSince(q: Q, tenantId: string, since: string, limitPerTenant: number): Promise<SampleRow[]> {
  const rows = await q('quota_usage_samples')
    .where({ tenant_id: tenantId })
    .andWhere('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(limitPerTenant)
    .select('id', 'account_id', 'at', 'used_bytes', 'used_messages');
  return rows
    .map((r) => ({
      id: num(r.id),
      account_id: String(r.account_id),
      at: String(r.at),
      used_bytes: num(r.used_bytes),
      used_messages: num(r.used_messages),
    }))
    .reverse();
}

export async function pruneSamples(q: Q, before: string): Promise<number> {
  return Number(await q('quota_usage_samples').where('at', '<', before).delete());
}

// ---------------------------------------------------------------- notifications and settings

export async function insertNotification(q: Q, row: Omit<NotificationRow, 'id' | 'webhook_attempts' | 'webhook_error'>): Promise<number> {
  const [r] = await q('quota_notifications').insert(row).returning('id');
  return num(typeof r === 'object' ? (r as { id: unknown }).id : r);
}

export async function findNotification(q: Q, id: number): Promise<NotificationRow | null> {
  const r = await q('quota_notifications').where({ id }).first();
  return r
    ? ({
        ...r,
        id: num(r.id),
        threshold: num(r.threshold),
        used_bytes: num(r.used_bytes),
        allocation_bytes: num(r.allocation_bytes),
        webhook_attempts: num(r.webhook_attempts),
      } as NotificationRow)
    : null;
}

export async function markWebhook(q: Q, id: number, values: { status: string; error?: string | null }): Promise<void> {
  await q('quota_notifications')
    .where({ id })
    .update({
      webhook_status: values.status,
      webhook_error: values.error?.slice(0, 300) ?? null,
      webhook_attempts: q.raw('webhook_attempts + 1'),
    });
}

/** Newest first, keyset on id. */
export async function listNotifications(
  q: Q,
  tenantId: string,
  page: { limit: number; cursor?: string | undefined; accountId?: string | undefined },
): Promise<Page<NotificationRow>> {
  const query = q('quota_notifications')
    .where({ tenant_id: tenantId })
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.accountId) query.where({ account_id: page.accountId });
  if (page.cursor) query.where('id', '<', Number(Buffer.from(page.cursor, 'base64url').toString('utf8')));
  const rows = (await query).map(
    (r) =>
      ({
        ...r,
        id: num(r.id),
        threshold: num(r.threshold),
        used_bytes: num(r.used_bytes),
        allocation_bytes: num(r.allocation_bytes),
        webhook_attempts: num(r.webhook_attempts),
      }) as NotificationRow,
  );
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  return { items, nextCursor: more ? Buffer.from(String(items.at(-1)!.id), 'utf8').toString('base64url') : null };
}

export async function webhookUrlOf(q: Q, tenantId: string): Promise<string | null> {
  const r = await q('quota_settings').where({ tenant_id: tenantId }).first('webhook_url');
  return (r?.webhook_url as string | null | undefined) ?? null;
}

export async function saveWebhookUrl(q: Q, tenantId: string, url: string | null, now: string): Promise<void> {
  await q('quota_settings')
    .insert({ tenant_id: tenantId, webhook_url: url, updated_at: now })
    .onConflict('tenant_id')
    .merge(['webhook_url', 'updated_at']);
}
