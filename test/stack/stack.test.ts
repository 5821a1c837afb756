import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The stack scripts themselves (stack/stack.sh), against the stack that stack/test.sh started:
 * a port conflict must fail fast and say which port, and `status` must see every service.
 */
const STACK_SH = path.resolve(__dirname, '../../stack/stack.sh');
const SERVICES = ['redis', 'postgres', 'slapd', 'clamd', 'rspamd', 'dovecot', 'source-imap'];
/** "fails fast": the port check comes before anything slow; 5 s leaves room for a loaded machine. */
const FAIL_FAST_MS = 5_000;
/** spawnSync's own limit, so a hang fails the test instead of blocking jest until its timeout. */
const SPAWN_TIMEOUT_MS = 30_000;

function listen(server: net.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port that was free a moment ago (the OS picks it; we release it at once). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function stackSh(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync('bash', [STACK_SH, ...args], { env, encoding: 'utf8', timeout: SPAWN_TIMEOUT_MS });
}

describe('stack/stack.sh', () => {
  it('refuses to start Dovecot on a taken IMAP port within seconds, naming the port', async () => {
    const blocker = net.createServer();
    const takenPort = await listen(blocker);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'postwerk-stack-test-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      POSTWERK_HOME: home,
      POSTWERK_IMAP_PORT: String(takenPort),
      POSTWERK_LMTP_PORT: String(await freePort()),
      POSTWERK_DOVEADM_PORT: String(await freePort()),
      POSTWERK_DB_CLIENT: 'sqlite',
    };
    try {
      const started = Date.now();
      const result = stackSh(['up', 'dovecot'], env);
      const elapsed = Date.now() - started;

      expect(result.error).toBeUndefined(); // set when spawnSync had to kill a hanging script
      expect(result.status).not.toBe(0);
      expect(elapsed).toBeLessThan(FAIL_FAST_MS);
      expect(result.stderr).toContain(`port ${takenPort}`);
      expect(result.stderr).toContain('POSTWERK_IMAP_PORT');
      expect(result.stderr).toContain('dovecot');
      expect(fs.existsSync(path.join(home, 'dovecot', 'run', 'master.pid'))).toBe(false);
    } finally {
      stackSh(['down', 'dovecot'], env); // in case it did start after all
      await close(blocker);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('reports every service of the running stack ready', () => {
    const result = stackSh(['status'], process.env);

    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toMatchObject({ status: 0 });
    for (const service of SERVICES) {
      expect(result.stdout).toMatch(new RegExp(`^${service}\\s+ready\\b`, 'm'));
    }
  });
});
