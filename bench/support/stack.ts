// A benchmark's stack: the caller's when one runs (an `npm test` shell, a developer's stack), else a
// throwaway one with only the servers the benchmark needs, on free ports, in a fresh state folder.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseEnvFile } from '../../platform/config';

const ROOT = path.resolve(__dirname, '../..');

/** The port variables (POSTWERK_<name>_PORT) each server of stack/stack.sh binds. */
const PORTS: Record<string, string[]> = {
  redis: ['REDIS'],
  postgres: ['PG'],
  slapd: ['LDAP'],
  clamd: ['CLAMD'],
  rspamd: ['RSPAMD', 'RSPAMD_CONTROLLER'],
  dovecot: ['IMAP', 'LMTP', 'DOVEADM'],
  'source-imap': ['SOURCE_IMAP'],
};

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface BenchStack {
  home: string;
  /** the stack's environment (the caller's, or the new stack's over `env`) */
  env: NodeJS.ProcessEnv;
  /** stops a stack this call started and removes its folder; undefined for the caller's */
  down?: () => void;
}

export interface BenchStackOptions {
  services: ReadonlyArray<keyof typeof PORTS>;
  /** true when the caller's environment already points at a stack to use */
  reuse: boolean;
  /** the environment the new stack starts from (default: this process's) */
  env?: NodeJS.ProcessEnv;
  /** the state folder's name prefix */
  prefix?: string;
  /** also load the stack's endpoints into process.env (for code that reads its config from there) */
  intoProcess?: boolean;
  /** run the database migrations once the stack is up */
  migrate?: boolean;
}

export async function benchStack(o: BenchStackOptions): Promise<BenchStack> {
  if (o.reuse) return { home: process.env.POSTWERK_HOME ?? '/nonexistent', env: process.env };
  const home = mkdtempSync(path.join(os.tmpdir(), o.prefix ?? 'postwerk-bench-'));
  // the packaged users (dovecot, _rspamd, postgres) must enter it
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), POSTWERK_HOME: home, POSTWERK_REDIS_PERSIST: 'no' };
  for (const s of o.services) for (const v of PORTS[s]) env[`POSTWERK_${v}_PORT`] = String(await freePort());
  process.stderr.write(`starting a stack in ${home}\n`);
  const stack = (...args: string[]) => execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], { env, stdio: ['ignore', 2, 2] });
  stack('up', ...o.services);
  const all = { ...env, ...parseEnvFile(readFileSync(path.join(home, 'stack.env'), 'utf8')) };
  if (o.intoProcess) Object.assign(process.env, all);
  if (o.migrate) {
    const { loadConfig } = await import('../../platform/config');
    const { createDb, migrateLatest } = await import('../../platform/db');
    const db = createDb(loadConfig(all));
    await migrateLatest(db);
    await db.destroy();
  }
  return {
    home,
    env: all,
    down: () => {
      stack('down');
      rmSync(home, { recursive: true, force: true });
    },
  };
}
