import { createHash } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Services } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, notFound } from '../../platform/errors';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { MAX_RESTORE_MESSAGE_BYTES } from '../limits';
import { findAccountMessage } from '../repositories/mail-sessions';
import { openStore } from '../store/open-store';
import { retentionOf } from './apply-retention';
import type { MailUser } from './sign-in-mail-user';

/**
 * Self-service restore of one of the user's own deleted messages into its original folder (re-created
 * when gone), with its bytes, flags and internal date as backed up. Roll-forward: when the folder
 * already holds the same bytes (same day, same size, same SHA-256), nothing is appended, so restoring
 * twice adds nothing. A message of another account answers 404, like a missing one; one older than the
 * self-service window answers 404 too (support can still restore it).
 */
export const restoreOwnMessageInput = z.strictObject({ messageId: z.coerce.number().int().positive() });
export type RestoreOwnMessageInput = z.input<typeof restoreOwnMessageInput>;

export async function restoreOwnMessage(
  services: Pick<Services, 'db' | 'config' | 'logger'>,
  user: MailUser,
  raw: RestoreOwnMessageInput,
): Promise<{ restored: boolean; folder: string }> {
  const input = restoreOwnMessageInput.parse(raw);
  const row = await findAccountMessage(services.db, user.accountId, input.messageId);
  const { selfServiceDays } = await retentionOf(services.db, user.tenantId);
  const since = new Date(Date.now() - selfServiceDays * 86_400_000).toISOString();
  if (!row || !row.gone_at || row.gone_at < since) throw notFound('deleted message', String(input.messageId));

  const store = await openStore(services, user.tenantId);
  // read and verified in full before anything touches the mailbox: a corrupt body is refused, never appended
  const body = await store.read(row.hash, MAX_RESTORE_MESSAGE_BYTES);
  const flags = (JSON.parse(row.flags) as string[]).filter((f) => f !== '\\Recent');
  const internalDate = new Date(row.internal_date);
  const client = await connectPlatformImap(services.config.dovecot, masterLogin(services.config.dovecot, user.address), services.logger);
  let restored = false;
  try {
    await client.mailboxCreate(row.folder).catch((e: { serverResponseCode?: string }) => {
      if (e.serverResponseCode !== 'ALREADYEXISTS') throw e;
    });
    const lock = await client.getMailboxLock(row.folder);
    try {
      const candidates =
        (await client.search({ on: internalDate, larger: body.length - 1, smaller: body.length + 1 }, { uid: true })) || [];
      let present = false;
      if (candidates.length) {
        for await (const m of client.fetch(candidates.join(','), { uid: true, source: true }, { uid: true })) {
          if (m.source && createHash('sha256').update(m.source).digest('hex') === row.hash) present = true;
        }
      }
      if (!present) {
        const res = await client.append(row.folder, body, flags, internalDate);
        if (!res) throw new AppError('unavailable', `the mail server refused the restore into ${row.folder}`);
        restored = true;
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  await inTransaction(services.db, ({ trx }) =>
    appendAudit(trx, user.actor, {
      action: 'backup.self-restore',
      tenantId: user.tenantId,
      target: { type: 'account', id: user.accountId },
      after: { messageId: Number(row.id), folder: row.folder, hash: row.hash, restored, reason: 'self-service' },
    }),
  );
  return { restored, folder: row.folder };
}
