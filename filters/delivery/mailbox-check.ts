import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';

export const QUEUE_ID_HEADER = 'X-Postwerk-Queue-ID';
/** Carried by a message released from quarantine: the quarantine row's id (see releaseQuarantined). */
export const RELEASE_ID_HEADER = 'X-Postwerk-Release-ID';

/**
 * Did an earlier, interrupted attempt already deliver this message to this mailbox? Asked only for a
 * target whose delivery was started but whose answer was never recorded (the worker died in between):
 * the message carries X-Postwerk-Queue-ID, so a header search in the folders it may have gone to tells.
 * This is what makes a crash mid-delivery deliver exactly once.
 */
export async function alreadyInMailbox(
  dovecot: Config['dovecot'],
  address: string,
  queueId: string,
  folders: string[],
  logger?: Logger,
): Promise<boolean> {
  return headerInMailbox(dovecot, address, { name: QUEUE_ID_HEADER, value: queueId }, folders, logger);
}

/** Is a message whose header `name` contains `value` in one of these folders of the mailbox? */
export async function headerInMailbox(
  dovecot: Config['dovecot'],
  address: string,
  header: { name: string; value: string },
  folders: string[],
  logger?: Logger,
): Promise<boolean> {
  const client = await connectPlatformImap(dovecot, masterLogin(dovecot, address), logger);
  try {
    for (const folder of folders) {
      const lock = await client.getMailboxLock(folder).catch(() => null);
      if (!lock) continue;
      try {
        const found = await client.search({ header: { [header.name]: header.value } }, { uid: true });
        if (found && found.length) return true;
      } finally {
        lock.release();
      }
    }
    return false;
  } finally {
    await client.logout().catch(() => undefined);
  }
}
