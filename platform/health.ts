import net from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Db } from './db';
import { withTimeout } from './timeout';
import { DoveadmClient } from './mail/doveadm';
import { QUEUE_NAMES, type JobQueue, type QueueHealth } from './queue';

/**
 * Readiness of every server Postwerk depends on, each checked on its own with a deadline, so /readyz
 * names exactly which one is down instead of hanging on the first.
 */
const CHECK_TIMEOUT_MS = 2_000;

export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export type Check = { name: string; run: () => Promise<void> };

/** Opens a TCP connection, optionally writes `send`, and resolves once the reply matches `expect`. */
export function probeTcp(host: string, port: number, expect: RegExp, send?: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (err?: Error) => {
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    sock.setTimeout(CHECK_TIMEOUT_MS, () => done(new Error(`${host}:${port}: timed out`)));
    sock.on('connect', () => {
      if (send !== undefined) sock.write(send);
    });
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (expect.test(buf)) done();
    });
    sock.on('error', (e) => done(new Error(`${host}:${port}: ${e.message}`)));
    sock.on('end', () => done(new Error(`${host}:${port}: closed before answering (got ${JSON.stringify(buf.slice(0, 80))})`)));
  });
}

export function platformChecks(deps: { config: Config; db: Db; redis: Redis }): Check[] {
  const { config, db, redis } = deps;
  const doveadm = new DoveadmClient(config.dovecot);
  return [
    { name: 'database', run: async () => void (await db.raw('select 1')) },
    {
      name: 'redis',
      run: async () => {
        if ((await redis.ping()) !== 'PONG') throw new Error('redis did not answer PONG');
      },
    },
    {
      name: 'dovecot',
      run: async () => {
        await probeTcp(config.dovecot.imapHost, config.dovecot.imapPort, /^\* OK/);
        await probeTcp(config.dovecot.lmtpHost, config.dovecot.lmtpPort, /^220 /);
        await doveadm.ping();
      },
    },
    { name: 'clamd', run: () => probeTcp(config.clamd.host, config.clamd.port, /PONG/, 'zPING\0') },
    {
      name: 'rspamd',
      run: async () => {
        const res = await fetch(new URL('/ping', config.rspamdUrl), { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
        const text = await res.text();
        if (!/pong/.test(text)) throw new Error(`rspamd /ping answered ${res.status} ${text.slice(0, 40)}`);
      },
    },
  ];
}

export async function runChecks(checks: Check[]): Promise<{ ok: boolean; checks: CheckResult[] }> {
  const results = await Promise.all(
    checks.map(async (c): Promise<CheckResult> => {
      const started = Date.now();
      try {
        await withTimeout(c.run(), CHECK_TIMEOUT_MS, c.name);
        return { name: c.name, ok: true, ms: Date.now() - started };
      } catch (e) {
        return { name: c.name, ok: false, ms: Date.now() - started, error: (e as Error).message };
      }
    }),
  );
  return { ok: results.every((r) => r.ok), checks: results };
}

/** What the operator's health page shows: the readiness checks, and each queue's depth and latest failures. */
export async function platformHealth(
  deps: { config: Config; db: Db; redis: Redis; queue: JobQueue },
  opts: { failedLimit: number },
): Promise<{ ok: boolean; checks: CheckResult[]; queues: QueueHealth[] }> {
  const [ready, queues] = await Promise.all([
    runChecks(platformChecks(deps)),
    // a queue's figures live in Redis: with Redis down they say so instead of holding up the answer
    Promise.all(
      QUEUE_NAMES.map((q) =>
        withTimeout(deps.queue.health(q, opts.failedLimit), CHECK_TIMEOUT_MS, `queue ${q}`).catch((e: Error): QueueHealth => ({
          queue: q,
          counts: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 },
          failed: [],
          error: e.message,
        })),
      ),
    ),
  ]);
  return { ...ready, queues };
}
