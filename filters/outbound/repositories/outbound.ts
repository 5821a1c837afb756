import type { Knex } from 'knex';

/**
 * The only SQL of the outbound path: outbound_messages, outbound_recipients, dkim_keys,
 * outbound_settings, outbound_suspensions, outbound_notifications, and the login lookup of the view
 * mail_users (the same row and condition Dovecot's password_query reads).
 */
export type OutboundStatus = 'queued' | 'held' | 'done' | 'deleted';
export type HoldReason = 'rate_limit' | 'spam' | 'virus' | 'suspended';
export type RecipientStatus = 'pending' | 'sending' | 'deferred' | 'sent' | 'failed';

export interface OutboundMessageRow {
  queue_id: string;
  tenant_id: string;
  account_id: string;
  username: string;
  mail_from: string;
  message_id: string | null;
  size_bytes: number;
  status: OutboundStatus;
  hold_reason: HoldReason | null;
  hold_detail: string | null;
  released_by: string | null;
  released_at: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface OutboundRecipientRow {
  queue_id: string;
  recipient: string;
  route: 'local' | 'remote';
  status: RecipientStatus;
  attempts: number;
  last_code: number | null;
  last_error: string | null;
  updated_at: string;
}

export const isFinalRecipient = (s: RecipientStatus) => s === 'sent' || s === 'failed';

// ---------------------------------------------------------------- login (Dovecot's passdb row)

/** The account a submission login names, as Dovecot's password_query finds it (accounts only, enabled). */
export async function findLogin(q: Knex, username: string): Promise<{ username: string; password: string } | undefined> {
  return q('mail_users')
    .select('username', 'password')
    .where({ lookup: username.toLowerCase(), kind: 'account', login_enabled: 1 })
    .first();
}

// ---------------------------------------------------------------- messages

export async function insertOutbound(
  q: Knex,
  m: OutboundMessageRow,
  recipients: Array<Pick<OutboundRecipientRow, 'recipient' | 'route'>>,
): Promise<void> {
  await q.transaction(async (trx) => {
    const exists = await trx('outbound_messages').where({ queue_id: m.queue_id }).first('queue_id');
    if (exists) return;
    await trx('outbound_messages').insert(m);
    if (recipients.length) {
      await trx('outbound_recipients').insert(
        recipients.map((r) => ({ ...r, queue_id: m.queue_id, status: 'pending', attempts: 0, updated_at: m.created_at })),
      );
    }
  });
}

export async function findOutbound(q: Knex, queueId: string): Promise<OutboundMessageRow | undefined> {
  const r = await q('outbound_messages').where({ queue_id: queueId }).first();
  return r ? { ...r, size_bytes: Number(r.size_bytes) } : undefined;
}

export async function recipientsOf(q: Knex, queueId: string): Promise<OutboundRecipientRow[]> {
  return q('outbound_recipients').where({ queue_id: queueId }).orderBy('recipient');
}

export async function updateOutbound(q: Knex, queueId: string, patch: Partial<OutboundMessageRow>): Promise<void> {
  await q('outbound_messages').where({ queue_id: queueId }).update(patch);
}

/** Moves a message from one status to another; false when it was not in `from` (a concurrent change). */
export async function transitionOutbound(
  q: Knex,
  queueId: string,
  from: OutboundStatus[],
  patch: Partial<OutboundMessageRow> & { status: OutboundStatus },
): Promise<boolean> {
  const n = await q('outbound_messages').where({ queue_id: queueId }).whereIn('status', from).update(patch);
  return n > 0;
}

export async function updateRecipient(q: Knex, queueId: string, recipient: string, patch: Partial<OutboundRecipientRow>): Promise<void> {
  await q('outbound_recipients').where({ queue_id: queueId, recipient }).update(patch);
}

export async function markRecipientsSending(q: Knex, queueId: string, recipients: string[], at: string): Promise<void> {
  if (!recipients.length) return;
  await q('outbound_recipients')
    .where({ queue_id: queueId })
    .whereIn('recipient', recipients)
    .update({ status: 'sending', attempts: q.raw('attempts + 1'), updated_at: at });
}

export interface QueueFilter {
  tenantId: string;
  /** held | deferred (queued with a deferred recipient) | failed (done with a failed recipient) | queued | done */
  state?: 'held' | 'deferred' | 'failed' | 'queued' | 'done';
  limit: number;
  /** queue_id of the last row of the previous page */
  after?: string;
}

export async function listOutbound(q: Knex, f: QueueFilter): Promise<OutboundMessageRow[]> {
  const query = q('outbound_messages').where({ tenant_id: f.tenantId });
  if (f.state === 'held') query.where({ status: 'held' });
  else if (f.state === 'queued') query.where({ status: 'queued' });
  else if (f.state === 'done') query.where({ status: 'done' });
  else if (f.state === 'deferred')
    query
      .where({ status: 'queued' })
      .whereExists(
        q('outbound_recipients').whereRaw('outbound_recipients.queue_id = outbound_messages.queue_id').where({ status: 'deferred' }),
      );
  else if (f.state === 'failed')
    query.whereExists(
      q('outbound_recipients').whereRaw('outbound_recipients.queue_id = outbound_messages.queue_id').where({ status: 'failed' }),
    );
  else query.whereNot({ status: 'deleted' });
  if (f.after) query.where('queue_id', '>', f.after);
  const rows = await query.orderBy('queue_id').limit(f.limit);
  return rows.map((r) => ({ ...r, size_bytes: Number(r.size_bytes) }));
}

/** Queue ids of messages not done yet (the sweep writes rows only for the others). */
export async function knownOutboundIds(q: Knex, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows: Array<{ queue_id: string }> = await q('outbound_messages')
      .whereIn('queue_id', ids.slice(i, i + 500))
      .select('queue_id');
    for (const r of rows) out.add(r.queue_id);
  }
  return out;
}

// ---------------------------------------------------------------- settings, suspensions, notifications

export interface OutboundSettingsRow {
  tenant_id: string;
  account_limit: number | null;
  tenant_limit: number | null;
  auto_suspend: number;
  updated_at: string;
}

export async function findSettings(q: Knex, tenantId: string): Promise<OutboundSettingsRow | undefined> {
  return q('outbound_settings').where({ tenant_id: tenantId }).first();
}

export async function upsertSettings(q: Knex, row: OutboundSettingsRow): Promise<void> {
  await q('outbound_settings').insert(row).onConflict('tenant_id').merge();
}

export interface SuspensionRow {
  account_id: string;
  tenant_id: string;
  reason: string;
  queue_id: string | null;
  created_at: string;
}

export async function findSuspension(q: Knex, accountId: string): Promise<SuspensionRow | undefined> {
  return q('outbound_suspensions').where({ account_id: accountId }).first();
}

export async function insertSuspension(q: Knex, row: SuspensionRow): Promise<boolean> {
  const n = await q('outbound_suspensions').insert(row).onConflict('account_id').ignore();
  return Array.isArray(n) ? n.length > 0 && Number(n[0]) !== 0 : Boolean(n);
}

export async function deleteSuspension(q: Knex, accountId: string): Promise<number> {
  return q('outbound_suspensions').where({ account_id: accountId }).delete();
}

export async function listSuspensions(q: Knex, tenantId: string): Promise<SuspensionRow[]> {
  return q('outbound_suspensions').where({ tenant_id: tenantId }).orderBy('created_at');
}

export interface OutboundNotificationRow {
  id: number;
  tenant_id: string;
  account_id: string | null;
  event: string;
  queue_id: string | null;
  detail: string;
  created_at: string;
}

export async function insertNotification(q: Knex, row: Omit<OutboundNotificationRow, 'id'>): Promise<number> {
  const [r] = await q('outbound_notifications').insert(row).returning('id');
  return Number(typeof r === 'object' ? (r as { id: number }).id : r);
}

export async function listNotifications(q: Knex, tenantId: string | null, limit: number): Promise<OutboundNotificationRow[]> {
  const query = q('outbound_notifications');
  if (tenantId) query.where({ tenant_id: tenantId });
  const rows = await query.orderBy('id', 'desc').limit(limit);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

// ---------------------------------------------------------------- DKIM keys

export interface DkimKeyRow {
  id: string;
  tenant_id: string;
  domain_id: string;
  domain: string;
  selector: string;
  private_key: string;
  public_key: string;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
}

export async function activeDkimKey(q: Knex, domain: string): Promise<DkimKeyRow | undefined> {
  return q('dkim_keys').where({ domain: domain.toLowerCase(), status: 'active' }).orderBy('created_at', 'desc').first();
}

export async function dkimKeysOf(q: Knex, domainId: string): Promise<DkimKeyRow[]> {
  return q('dkim_keys').where({ domain_id: domainId }).orderBy('created_at', 'desc');
}

/** Adds the new active key and retires the ones before it, in one transaction (the caller's). */
export async function rotateDkimKey(q: Knex, row: DkimKeyRow): Promise<void> {
  await q('dkim_keys').where({ domain_id: row.domain_id, status: 'active' }).update({ status: 'retired', retired_at: row.created_at });
  await q('dkim_keys').insert(row);
}
