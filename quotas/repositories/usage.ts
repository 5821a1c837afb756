import type { Knex } from 'knex';
import { paginate, type Page } from '../../platform/db/paginate';

/**
 * Every SQL statement of the quotas module over its own tables (usage, samples, notifications, settings);
 * pools and allocations are columns of tenancy's tables, read and written through
 * tenancy/repositories/allocations.ts. Functions take a knex handle or a transaction (a
 * transaction is a Knex too), so the use cases decide what runs in which transaction.
 */
type Q = Knex;

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

/**
 * SQLite only (PostgreSQL locks rows instead): takes the database's write lock now, with a write that
 * matches no row. Must come first in a transaction that reads and then writes; see pool.ts for why.
 */
export async function takeWriteLock(trx: Knex.Transaction): Promise<void> {
  if (trx.client.config.client !== 'pg') await trx.raw('DELETE FROM quota_settings WHERE 0 = 1');
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

const notification = (r: Record<string, unknown>): NotificationRow =>
  ({
    ...r,
    id: num(r.id),
    threshold: num(r.threshold),
    used_bytes: num(r.used_bytes),
    allocation_bytes: num(r.allocation_bytes),
    webhook_attempts: num(r.webhook_attempts),
  }) as NotificationRow;

export async function findNotification(q: Q, id: number): Promise<NotificationRow | null> {
  const r = await q('quota_notifications').where({ id }).first();
  return r ? notification(r) : null;
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
  const query = q('quota_notifications').where({ tenant_id: tenantId });
  if (page.accountId) query.where({ account_id: page.accountId });
  const rows = await paginate<Record<string, unknown>>(query, {
    limit: page.limit,
    cursor: page.cursor,
    key: 'id',
    order: 'desc',
    numeric: true,
  });
  return { items: rows.items.map(notification), nextCursor: rows.nextCursor };
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

/** Bytes stored per tenant, as last collected (the metrics' pool figures). */
export async function usedBytesByTenant(q: Q): Promise<Map<string, number>> {
  const rows = (await q('quota_usage').select('tenant_id').sum({ b: 'used_bytes' }).groupBy('tenant_id')) as Array<{
    tenant_id: string;
    b: unknown;
  }>;
  return new Map(rows.map((r) => [r.tenant_id, num(r.b)]));
}
