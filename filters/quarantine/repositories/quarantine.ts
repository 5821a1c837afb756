import type { Knex } from 'knex';
import { paginate, type Page } from '../../../platform/db/paginate';

/** The only SQL over quarantine_messages; rows as the database returns them. */
export type QuarantineStatus = 'held' | 'releasing' | 'released';

export interface QuarantineRow {
  id: string;
  tenant_id: string;
  account_id: string | null;
  recipient: string;
  sender: string;
  header_from: string;
  subject: string;
  message_id: string;
  reason: 'virus' | 'spam' | 'blocked_sender';
  detail: string;
  av_verdict: string;
  spam_verdict: string;
  spam_score: number | null;
  size_bytes: number;
  queue_id: string;
  file: string;
  key_id: string;
  created_at: string;
  expires_at: string;
  status: QuarantineStatus;
  status_at: string;
  released_by: string | null;
  list_key: string;
}

export async function findByQueueRecipient(q: Knex, queueId: string, recipient: string): Promise<QuarantineRow | undefined> {
  return q<QuarantineRow>('quarantine_messages').where({ queue_id: queueId, recipient }).first();
}

/** Scoped to the tenant: another tenant's id answers like a missing one. */
export async function findInTenant(q: Knex, tenantId: string, id: string): Promise<QuarantineRow | undefined> {
  return q<QuarantineRow>('quarantine_messages').where({ tenant_id: tenantId, id }).first();
}

export async function insertQuarantined(q: Knex, row: QuarantineRow): Promise<void> {
  await q('quarantine_messages').insert(row);
}

/** Moves a row from one status to another; false when it was not in `from` any more (someone else won). */
export async function transition(
  q: Knex,
  id: string,
  from: { status: QuarantineStatus[]; staleBefore?: string },
  to: { status: QuarantineStatus; at: string; releasedBy?: string | null },
): Promise<boolean> {
  const query = q('quarantine_messages').where({ id });
  query.where((w) => {
    w.whereIn(
      'status',
      from.status.filter((s) => s !== 'releasing'),
    );
    if (from.status.includes('releasing')) {
      w.orWhere((r) => {
        r.where('status', 'releasing');
        if (from.staleBefore) r.where('status_at', '<', from.staleBefore);
      });
    }
  });
  const n = await query.update({
    status: to.status,
    status_at: to.at,
    ...(to.releasedBy !== undefined ? { released_by: to.releasedBy } : {}),
  });
  return n > 0;
}

export async function deleteQuarantined(q: Knex, id: string): Promise<void> {
  await q('quarantine_messages').where({ id }).delete();
}

export interface QuarantineFilter {
  sender?: string | undefined;
  subject?: string | undefined;
  recipient?: string | undefined;
  reason?: 'virus' | 'spam' | 'blocked_sender' | undefined;
  status?: QuarantineStatus | undefined;
  /** [from, to) on created_at */
  from?: string | undefined;
  to?: string | undefined;
}

/** LIKE patterns match literally: the caller's % and _ are not wildcards. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listQuarantined(
  q: Knex,
  tenantId: string,
  filter: QuarantineFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<QuarantineRow>> {
  const query = q('quarantine_messages').where('tenant_id', tenantId);
  // substring searches, case-insensitive on both databases (PostgreSQL's LIKE is case-sensitive)
  if (filter.sender) query.whereRaw(`lower(sender) LIKE ? ESCAPE '\\'`, [`%${likeEscape(filter.sender.toLowerCase())}%`]);
  if (filter.subject) query.whereRaw(`lower(subject) LIKE ? ESCAPE '\\'`, [`%${likeEscape(filter.subject.toLowerCase())}%`]);
  if (filter.recipient) query.where('recipient', filter.recipient.toLowerCase());
  if (filter.reason) query.where('reason', filter.reason);
  if (filter.status) query.where('status', filter.status);
  if (filter.from) query.where('created_at', '>=', filter.from);
  if (filter.to) query.where('created_at', '<', filter.to);
  return paginate<QuarantineRow & Record<string, unknown>>(query, { ...page, key: 'list_key' });
}

export async function listExpired(q: Knex, now: string, limit: number, tenantId?: string): Promise<QuarantineRow[]> {
  // a release under way finishes first; the next run takes the row if it is still there
  const query = q<QuarantineRow>('quarantine_messages').where('expires_at', '<=', now).whereNot('status', 'releasing');
  if (tenantId) query.where({ tenant_id: tenantId });
  return query.orderBy('expires_at').limit(limit);
}

/** The file names the index knows, of one tenant (the orphan sweep compares the folder with them). */
export async function filesOfTenant(q: Knex, tenantId: string): Promise<Set<string>> {
  const rows = (await q('quarantine_messages').where({ tenant_id: tenantId }).select('file')) as Array<{ file: string }>;
  return new Set(rows.map((r) => r.file));
}
