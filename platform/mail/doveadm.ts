import type { Config } from '../config';
import { AppError } from '../errors';

/**
 * Client of Dovecot's doveadm HTTP API: POST a JSON array of [command, parameters, tag] and read back
 * [["doveadmResponse", result, tag]] or [["error", {type, exitCode}, tag]].
 * Used for what Postwerk asks of the mail server beyond IMAP: quota figures, recalculation, kicking a
 * suspended user's sessions, flushing the auth cache.
 */
const DOVEADM_TIMEOUT_MS = 15_000;
/** doveadm's exit code (sysexits EX_NOUSER) when the user does not exist, e.g. quotaGet of an unknown address. */
export const EX_NOUSER = 67;
/** doveadm kick's exit code (EX_NOHOST) when no session matched: nothing to kick, not an error. */
const EX_NOTHING_KICKED = 68;

export class DoveadmError extends Error {
  constructor(
    readonly command: string,
    readonly type: string,
    readonly exitCode: number | undefined,
  ) {
    super(`doveadm ${command} failed: ${type}${exitCode !== undefined ? ` (exit ${exitCode})` : ''}`);
    this.name = 'DoveadmError';
  }
}

export interface QuotaFigure {
  root: string;
  type: 'STORAGE' | 'MESSAGE' | string;
  /** bytes for STORAGE (doveadm answers in kilobytes; converted here), a count for MESSAGE */
  value: number;
  limit: number | null;
  percent: number;
}

export class DoveadmClient {
  private tag = 0;
  constructor(private readonly opts: Pick<Config['dovecot'], 'doveadmUrl' | 'doveadmApiKey'>) {}

  async call<T = unknown>(command: string, parameters: Record<string, unknown> = {}): Promise<T> {
    const tag = `t${++this.tag}`;
    let res: Response;
    try {
      res = await fetch(this.opts.doveadmUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `X-Dovecot-API ${Buffer.from(this.opts.doveadmApiKey).toString('base64')}`,
        },
        body: JSON.stringify([[command, parameters, tag]]),
        signal: AbortSignal.timeout(DOVEADM_TIMEOUT_MS),
      });
    } catch (e) {
      throw new AppError('unavailable', `the mail server's admin API is not reachable: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (!res.ok) throw new AppError('unavailable', `the mail server's admin API answered HTTP ${res.status}`);
    const body = (await res.json()) as Array<[string, unknown, string]>;
    const answer = body.find((r) => r[2] === tag) ?? body[0];
    if (!answer) throw new DoveadmError(command, 'empty answer', undefined);
    if (answer[0] === 'error') {
      const err = answer[1] as { type?: string; exitCode?: number };
      throw new DoveadmError(command, err.type ?? 'error', err.exitCode);
    }
    return answer[1] as T;
  }

  async quotaGet(user: string): Promise<QuotaFigure[]> {
    const rows = await this.call<Array<Record<string, string>>>('quotaGet', { user });
    return rows.map((r) => {
      const isStorage = r.type === 'STORAGE';
      const unit = isStorage ? 1024 : 1;
      const limit = r.limit === undefined || r.limit === '-' || r.limit === '' ? null : Number(r.limit) * unit;
      return { root: r.root ?? '', type: r.type ?? '', value: Number(r.value) * unit, limit, percent: Number(r.percent ?? 0) };
    });
  }

  /**
   * Recounts the user's quota from the mail files, repairing drift in Dovecot's own counter.
   * `user` must be a string here: Dovecot 2.3.19 panics on an array (request_json_parse_cmd_param_key
   * assertion) and drops the connection.
   */
  async quotaRecalc(user: string): Promise<void> {
    await this.call('quotaRecalc', { user });
  }

  /**
   * Disconnects the user's open IMAP sessions (after suspension, password change, quota change).
   * Returns false when the user had no session: doveadm kick then exits 68, which is no error.
   */
  async kick(user: string): Promise<boolean> {
    try {
      await this.call('kick', { mask: [user] });
      return true;
    } catch (e) {
      if (e instanceof DoveadmError && e.exitCode === EX_NOTHING_KICKED) return false;
      throw e;
    }
  }

  async authCacheFlush(user?: string): Promise<void> {
    // Always send `user` ([] = everyone): without it Dovecot 2.3.19's doveadm process dies on the request.
    await this.call('authCacheFlush', { user: user ? [user] : [] });
  }

  async ping(): Promise<void> {
    // Any cheap command proves the API is up and the key is right.
    await this.call('who', {});
  }
}
