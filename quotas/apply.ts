import type { Services } from '../platform/context';
import { KICK_TIMEOUT_MS } from './limits';
import { withTimeout } from './dovecot-usage';

/**
 * Making a committed allocation change felt by Dovecot. Dovecot reads the limit from the mail_users
 * view at every login and delivery (auth_cache_size = 0), so new sessions and the next LMTP delivery
 * see it at once; an IMAP session already open keeps the limit it logged in with. Kicking the
 * account's sessions makes clients log in again (they reconnect by themselves) and so take the new
 * limit within seconds. Best effort: the change is committed; a failed kick is logged, and the old
 * limit then lasts until the session ends by itself.
 */
export async function applyAllocationChanges(deps: Pick<Services, 'doveadm' | 'logger'>, addresses: string[]): Promise<void> {
  await Promise.all(
    addresses.map(async (address) => {
      try {
        await withTimeout(deps.doveadm.kick(address), KICK_TIMEOUT_MS, 'doveadm kick');
      } catch (e) {
        deps.logger.warn({ err: (e as Error).message, address }, 'could not kick sessions after an allocation change; the old limit holds until they log in again');
      }
    }),
  );
}
