import type { Services } from '../../platform/context';
import type { DoveadmClient } from '../../platform/mail/doveadm';
import { KICK_TIMEOUT_MS, WHO_BATCH_MS } from '../limits';
import { withTimeout } from './dovecot-usage';

/**
 * Making a committed allocation change felt by Dovecot. Dovecot reads the limit from the mail_users
 * view at every login and delivery (auth_cache_size = 0), so new sessions and the next LMTP delivery
 * see it at once; an IMAP session already open keeps the limit it logged in with. Kicking the
 * account's sessions makes clients log in again (they reconnect by themselves) and so take the new
 * limit within seconds.
 *
 * Only accounts with a session are kicked. Which ones have a session is asked with one `doveadm who`
 * shared by every change committed in the same few milliseconds (WHO_BATCH_MS): a kick is one doveadm
 * process per user, and under a burst of reassignments asking per user costs more than the changes.
 * The shared `who` always starts after the caller's commit, so every session that logged in with the
 * old limit is in its answer.
 *
 * Best effort: the change is committed; a failed kick is logged, and the old limit then lasts until
 * the session ends by itself.
 */
class SessionLister {
  private pending: Promise<Set<string>> | null = null;
  constructor(private readonly doveadm: DoveadmClient) {}

  /** Users with a session, from a `who` that starts after this call. */
  connected(): Promise<Set<string>> {
    this.pending ??= new Promise((r) => setTimeout(r, WHO_BATCH_MS)).then(async () => {
      // later callers join the next `who`, which starts after them
      this.pending = null;
      const rows = await this.doveadm.call<Array<{ username?: string }>>('who', {});
      return new Set(rows.map((r) => String(r.username ?? '').toLowerCase()));
    });
    return this.pending;
  }
}

const listers = new WeakMap<DoveadmClient, SessionLister>();

export async function applyAllocationChanges(deps: Pick<Services, 'doveadm' | 'logger'>, addresses: string[]): Promise<void> {
  if (!addresses.length) return;
  let lister = listers.get(deps.doveadm);
  if (!lister) listers.set(deps.doveadm, (lister = new SessionLister(deps.doveadm)));
  let connected: Set<string>;
  try {
    connected = await withTimeout(lister.connected(), KICK_TIMEOUT_MS, 'doveadm who');
  } catch (e) {
    deps.logger.warn({ err: (e as Error).message }, 'could not list sessions after an allocation change; kicking each account');
    connected = new Set(addresses);
  }
  await Promise.all(
    addresses
      .filter((a) => connected.has(a.toLowerCase()))
      .map(async (address) => {
        try {
          await withTimeout(deps.doveadm.kick(address), KICK_TIMEOUT_MS, 'doveadm kick');
        } catch (e) {
          deps.logger.warn(
            { err: (e as Error).message, address },
            'could not kick sessions after an allocation change; the old limit holds until they log in again',
          );
        }
      }),
  );
}
