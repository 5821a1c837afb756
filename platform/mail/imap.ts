import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Config } from '../config';
import type { Logger } from '../logger';

/**
 * IMAP connections to the platform's own Dovecot. Workers (migration, backup, restore) open any mailbox
 * through the master user: login `user*master` with the master password, so no account password is needed.
 */
const IMAP_CONNECT_TIMEOUT_MS = 10_000;

export interface ImapLogin {
  user: string;
  password: string;
}

export function masterLogin(dovecot: Config['dovecot'], address: string): ImapLogin {
  return { user: `${address}*${dovecot.masterUser}`, password: dovecot.masterPassword };
}

export function platformImapOptions(dovecot: Config['dovecot'], login: ImapLogin): ImapFlowOptions {
  return {
    host: dovecot.imapHost,
    port: dovecot.imapPort,
    secure: dovecot.imapTls,
    auth: { user: login.user, pass: login.password },
    logger: false,
    connectionTimeout: IMAP_CONNECT_TIMEOUT_MS,
  };
}

/** Connects and logs in; the caller must `logout()` in a finally block. */
export async function connectPlatformImap(dovecot: Config['dovecot'], login: ImapLogin, logger?: Logger): Promise<ImapFlow> {
  const client = new ImapFlow(platformImapOptions(dovecot, login));
  client.on('error', (err: Error) => logger?.warn({ err: err.message }, 'imap connection error'));
  await client.connect();
  return client;
}
