import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testConfig, uniq } from '../support/env';
import { imapLogin, strongPassword } from './harness';

/** The `postwerk` binary as an operator runs it: same commands as the API, exit codes 0 / 1 / 2. */
const BIN = path.resolve(__dirname, '../../bin/postwerk');
const config = testConfig();

function postwerk(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, POSTWERK_LOG_LEVEL: 'error', POSTWERK_PASSWORD_COST: '4' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe(`postwerk CLI (${config.db.client})`, () => {
  const slug = uniq('cli');
  const domain = `${slug}.test`;

  it('provisions a tenant, a domain and an account that logs in, with passwords never on the command line', () => {
    const t = postwerk([
      'tenant',
      'create',
      '--slug',
      slug,
      '--name',
      'CLI GmbH',
      '--pool',
      '1GiB',
      '--default-allocation',
      '10MiB',
      '--json',
    ]);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(JSON.parse(t.out)).toMatchObject({ slug, poolBytes: 1024 ** 3, defaultAllocationBytes: 10 * 1024 ** 2 });
    expect(postwerk(['domain', 'add', slug, domain]).code).toBe(0);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cli-'));
    const file = path.join(dir, 'pw');
    const password = strongPassword();
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    const a = postwerk(['account', 'create', `alice@${domain}`, '--password-file', file, '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ address: `alice@${domain}`, status: 'active', allocationBytes: 10 * 1024 ** 2 });
    return imapLogin(config, `alice@${domain}`, password).then(async (ok) => {
      expect(ok).toBe(true);
      const next = strongPassword();
      expect(postwerk(['account', 'password', `alice@${domain}`], `${next}\n`).code).toBe(0);
      expect(await imapLogin(config, `alice@${domain}`, next)).toBe(true);
      expect(postwerk(['account', 'suspend', `alice@${domain}`]).code).toBe(0);
      expect(await imapLogin(config, `alice@${domain}`, next)).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  it('lists as text and JSON', () => {
    const list = postwerk(['account', 'list', slug, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).items.map((i: { address: string }) => i.address)).toEqual([`alice@${domain}`]);
    const text = postwerk(['tenant', 'show', slug]);
    expect(text.out).toMatch(new RegExp(`^${slug}\\t`));
  });

  it('answers bad input with exit code 2 and a clear message, and failures with 1', () => {
    const weak = postwerk(['account', 'create', `bob@${domain}`], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.err).toMatch(/password must be at least 10 characters/);
    const dup = postwerk(['account', 'create', `alice@${domain}`], `${strongPassword()}\n`);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(new RegExp(`address alice@${domain} is already in use`));
    expect(postwerk(['account', 'show', `nobody@${domain}`]).code).toBe(2);
    expect(postwerk(['tenant', 'create', '--slug', 'x']).code).toBe(2);
    const broken = spawnSync(process.execPath, [BIN, 'tenant', 'list'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        POSTWERK_DB_CLIENT: 'postgres',
        POSTWERK_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        POSTWERK_LOG_LEVEL: 'silent',
      },
    });
    expect(broken.status).toBe(1);
    const badEnv = spawnSync(process.execPath, [BIN, 'tenant', 'list'], {
      encoding: 'utf8',
      env: { ...process.env, POSTWERK_DB_CLIENT: 'oracle' },
    });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toMatch(/POSTWERK_DB_CLIENT/);
  });

  it('verifies and exports the audit log', () => {
    const v = postwerk(['audit', 'verify', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).ok).toBe(true);
    const e = postwerk(['audit', 'export', '--tenant', slug]);
    expect(e.code).toBe(0);
    const actions = e.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).action);
    expect(actions).toEqual(['tenant.created', 'domain.created', 'account.created', 'account.password_changed', 'account.suspended']);
    expect(e.out).not.toMatch(/BLF-CRYPT/);
  });

  it('status names every server with its latency, and exits 1 naming the one that is down', () => {
    const up = postwerk(['status']);
    expect(up.code).toBe(0);
    for (const name of ['database', 'redis', 'dovecot', 'clamd', 'rspamd'])
      expect(up.out).toMatch(new RegExp(`^${name}\\s+ok\\s+\\d+ ms$`, 'm'));
    expect(up.out).toMatch(/^queue filters\s+waiting \d+, active \d+, delayed \d+, failed \d+$/m);
    // a Redis nobody listens on: reported as down, and the rest still checked
    const down = spawnSync(process.execPath, [BIN, 'status', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, POSTWERK_LOG_LEVEL: 'silent', POSTWERK_REDIS_URL: 'redis://127.0.0.1:1' },
      timeout: 60_000,
    });
    expect(down.status).toBe(1);
    const checks = (JSON.parse(down.stdout) as { checks: Array<{ name: string; ok: boolean; ms: number }> }).checks;
    expect(checks.find((c) => c.name === 'redis')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === 'database')).toMatchObject({ ok: true });
  });
});
