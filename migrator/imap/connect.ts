// imapflow connections for reading (source) and for listing/verifying (destination).
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { MigratorError } from '../errors';
import type { Endpoint } from '../options';
import { invalidateToken, loginCredentials } from './credentials';

/** imapflow logs through this adapter at debug level only, with our bindings. */
function imapLogger(log: Logger): Record<'debug' | 'info' | 'warn' | 'error' | 'trace' | 'fatal', (o: unknown) => void> {
  const child = log.child({ component: 'imapflow' });
  const pass = (o: unknown): void => {
    if (child.isLevelEnabled('trace')) child.trace(o as object);
  };
  return {
    trace: pass,
    debug: pass,
    info: pass,
    warn: (o) => child.debug(o as object),
    error: (o) => child.debug(o as object),
    fatal: (o) => child.warn(o as object),
  };
}

export async function openImapFlow(ep: Endpoint, log: Logger, opts: { qresync?: boolean } = {}): Promise<ImapFlow> {
  try {
    return await openOnce(ep, log, opts);
  } catch (err) {
    // an XOAUTH2 token may have expired before its cache time: fetch a fresh one, once
    if (!(err instanceof MigratorError && err.code === 'MIGRATOR_AUTH_FAILED' && ep.tokenCommand)) throw err;
    invalidateToken(ep);
    return openOnce(ep, log, opts);
  }
}

async function openOnce(ep: Endpoint, log: Logger, opts: { qresync?: boolean }): Promise<ImapFlow> {
  const cred = await loginCredentials(ep);
  const auth = cred.accessToken
    ? { user: cred.authcid, accessToken: cred.accessToken }
    : { user: cred.authcid, pass: cred.password ?? '', ...(cred.authzid ? { authzid: cred.authzid, loginMethod: 'AUTH=PLAIN' } : {}) };
  const client = new ImapFlow({
    host: ep.host,
    port: ep.port,
    secure: ep.security === 'tls',
    doSTARTTLS: ep.security === 'starttls' ? true : ep.security === 'plain' ? false : undefined,
    tls: { rejectUnauthorized: !ep.insecure },
    auth,
    logger: imapLogger(log) as never,
    qresync: opts.qresync ?? false,
    disableAutoIdle: true,
    emitLogs: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  client.on('error', (err: Error) => log.debug({ err: err.message }, 'imap connection error'));
  try {
    await client.connect();
  } catch (err) {
    const e = err as { authenticationFailed?: boolean; message?: string; code?: string; responseText?: string };
    client.close();
    if (e.authenticationFailed || /auth/i.test(e.code ?? ''))
      throw new MigratorError(
        'MIGRATOR_AUTH_FAILED',
        `login failed for ${ep.user} on ${ep.host}:${ep.port}: ${e.responseText ?? e.message ?? ''}`.trim(),
      );
    throw new MigratorError(
      'MIGRATOR_CONNECTION',
      `cannot connect to ${ep.host}:${ep.port}: ${e.message ?? String(err)}`,
      { code: e.code },
      { cause: err },
    );
  }
  return client;
}

export async function closeQuietly(client: { logout(): Promise<void>; close(): void } | undefined): Promise<void> {
  if (!client) return;
  try {
    await Promise.race([client.logout(), new Promise((r) => setTimeout(r, 500).unref())]);
  } catch {
    // already gone
  }
  try {
    client.close();
  } catch {
    // already closed
  }
}
