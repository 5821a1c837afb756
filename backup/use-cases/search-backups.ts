import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { searchMessages } from '../repositories/index-rows';
import type { BackupMessageRow } from '../repositories/rows';
import { SEARCH_PAGE_MAX } from '../limits';
import { authorizeTenant, loadAccount } from './access';

const isoTime = z.iso.datetime({ offset: true });

export const searchBackupsInput = z.strictObject({
  tenantId: z.uuid(),
  accountId: z.uuid().optional(),
  folder: z.string().min(1).max(1000).optional(),
  /** subject or sender contains */
  text: z.string().min(1).max(200).optional(),
  subject: z.string().min(1).max(200).optional(),
  from: z.string().min(1).max(200).optional(),
  messageId: z.string().min(1).max(998).optional(),
  /** internal date range [since, until) */
  since: isoTime.optional(),
  until: isoTime.optional(),
  /** only messages that went (expunged, moved away, folder deleted) since then */
  deletedSince: isoTime.optional(),
  /** only messages present at this time */
  at: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX).default(50),
  cursor: z.string().regex(/^\d+$/).max(20).optional(),
});
export type SearchBackupsInput = z.input<typeof searchBackupsInput>;

export interface BackupMessage {
  id: number;
  accountId: string;
  folder: string;
  uid: number;
  uidValidity: number;
  messageId: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  date: string | null;
  internalDate: string;
  size: number;
  flags: string[];
  hash: string;
  firstSeen: string;
  goneAt: string | null;
  closeReason: string | null;
}

export const presentBackupMessage = (r: BackupMessageRow): BackupMessage => ({
  id: Number(r.id),
  accountId: r.account_id,
  folder: r.folder,
  uid: Number(r.uid),
  uidValidity: Number(r.uidvalidity),
  messageId: r.message_id,
  subject: r.subject,
  from: r.from_addr,
  to: r.to_addr,
  date: r.sent_at,
  internalDate: r.internal_date,
  size: Number(r.size),
  flags: JSON.parse(r.flags) as string[],
  hash: r.hash,
  firstSeen: r.first_seen,
  goneAt: r.gone_at,
  closeReason: r.close_reason,
});

const like = (s: string | undefined) => (s === undefined ? undefined : `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
const utc = (s: string | undefined) => (s === undefined ? undefined : new Date(s).toISOString());

/** Support's search over the index of one tenant (newest first, paged by cursor). */
export async function searchBackups(
  ctx: Pick<Ctx, 'db' | 'actor'>,
  raw: SearchBackupsInput,
): Promise<{ items: BackupMessage[]; nextCursor: string | null }> {
  const input = searchBackupsInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  if (input.accountId) await loadAccount(ctx.db, input.tenantId, input.accountId);
  const rows = await searchMessages(ctx.db, {
    tenantId: input.tenantId,
    accountId: input.accountId,
    folder: input.folder,
    subject: like(input.subject),
    from: like(input.from),
    text: like(input.text),
    messageId: input.messageId,
    since: utc(input.since),
    until: utc(input.until),
    deletedSince: utc(input.deletedSince),
    at: utc(input.at),
    limit: input.limit + 1,
    beforeId: input.cursor ? Number(input.cursor) : undefined,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(presentBackupMessage),
    nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.id) : null,
  };
}
