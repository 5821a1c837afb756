// Turns an Endpoint into what a login needs, running the XOAUTH2 token command when due.
// Secrets never reach a log line.
import { execFile } from 'node:child_process';
import { MigratorError } from '../errors';
import { OAUTH_TOKEN_COMMAND_TIMEOUT_MS, OAUTH_TOKEN_TTL_SECONDS } from '../limits';
import type { Endpoint } from '../options';

export interface LoginCredentials {
  /** authentication identity (who proves itself) */
  authcid: string;
  /** authorization identity (whose mailbox), SASL PLAIN only */
  authzid?: string;
  password?: string;
  accessToken?: string;
}

const tokenCache = new Map<string, { token: string; expires: number }>();

function runTokenCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: OAUTH_TOKEN_COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 }, (err, stdout) => {
      if (err) return reject(new MigratorError('MIGRATOR_AUTH_FAILED', `token command failed: ${err.message.split('\n')[0]}`));
      const token = stdout.trim();
      if (!token) return reject(new MigratorError('MIGRATOR_AUTH_FAILED', 'token command printed no token'));
      resolve(token);
    });
  });
}

/** Fresh credentials for one login; token commands are re-run once their token ages out. */
export async function loginCredentials(ep: Endpoint): Promise<LoginCredentials> {
  let accessToken = ep.accessToken;
  if (ep.tokenCommand) {
    const cached = tokenCache.get(ep.tokenCommand);
    if (cached && cached.expires > Date.now()) accessToken = cached.token;
    else {
      accessToken = await runTokenCommand(ep.tokenCommand);
      tokenCache.set(ep.tokenCommand, { token: accessToken, expires: Date.now() + OAUTH_TOKEN_TTL_SECONDS * 1000 });
    }
  }
  if (accessToken) return { authcid: ep.user, accessToken };
  if (ep.authUser && ep.masterStyle === 'separator')
    return { authcid: `${ep.user}${ep.masterSeparator}${ep.authUser}`, password: ep.password };
  if (ep.authUser) return { authcid: ep.authUser, authzid: ep.user, password: ep.password };
  return { authcid: ep.user, password: ep.password };
}

/** Forget a cached token (after the server refused it). */
export function invalidateToken(ep: Endpoint): void {
  if (ep.tokenCommand) tokenCache.delete(ep.tokenCommand);
}

/** "user@host:port" for logs and state keys; never includes secrets. */
export function endpointKey(ep: Pick<Endpoint, 'user' | 'host' | 'port'>): string {
  return `${ep.user}@${ep.host}:${ep.port}`;
}
