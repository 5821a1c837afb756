import type { Services } from '../../platform/context';
import { SELF_SERVICE_LIST_MAX } from '../limits';
import { deletedMessages } from '../repositories/mail-sessions';
import { retentionOf } from './apply-retention';
import type { MailUser } from './sign-in-mail-user';

/**
 * Self-service: the signed-in mail user's own deleted messages from the last N days (the tenant's
 * `self_service_days`), from the backup index. Only the account of the session is ever read.
 */
export interface OwnDeletedMessage {
  id: number;
  folder: string;
  subject: string | null;
  from: string | null;
  date: string | null;
  size: number;
  deletedAt: string;
}

export async function listOwnDeleted(
  services: Pick<Services, 'db'>,
  user: MailUser,
): Promise<{ days: number; items: OwnDeletedMessage[] }> {
  const { selfServiceDays } = await retentionOf(services.db, user.tenantId);
  if (selfServiceDays <= 0) return { days: 0, items: [] };
  const since = new Date(Date.now() - selfServiceDays * 86_400_000).toISOString();
  const rows = await deletedMessages(services.db, user.accountId, since, SELF_SERVICE_LIST_MAX);
  return {
    days: selfServiceDays,
    items: rows.map((r) => ({
      id: Number(r.id),
      folder: r.folder,
      subject: r.subject,
      from: r.from_addr,
      date: r.sent_at ?? r.internal_date,
      size: Number(r.size),
      deletedAt: r.gone_at!,
    })),
  };
}
