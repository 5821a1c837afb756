import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import pg from 'pg';
import { parseEnvFile } from '../../platform/config';
import { createDb } from '../../platform/db';
import { createTestAccount } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';

/**
 * The state folder that stack/test.sh made for this run (fresh, every service up, the database migrated,
 * secret.key created by the first loadConfig): no file there that another local user could read holds a
 * secret or a hash; Redis and PostgreSQL let no client in without the generated password; Redis and
 * clamd do not run as root.
 */
const HOME = path.resolve(process.env.POSTWERK_HOME ?? '');
/** Files bigger than this are mail or databases, never a config: their names decide (SECRET_FILE_NAMES). */
const MAX_SCANNED_BYTES = 8 * 1024 * 1024;
/** Hash formats the stack and the application store: bcrypt (Dovecot's BLF-CRYPT too), slapd's SSHA, SCRAM. */
const HASH_PATTERNS = [/\$2[aby]\$\d\d\$/, /\{BLF-CRYPT\}/, /\{SSHA\}/, /SCRAM-SHA-256\$/];
/** Files that hold hashes or secrets in a binary form the content scan cannot see. */
const SECRET_FILE_NAMES = /^postwerk\.db(-wal|-shm|-journal)?$/;

/** Every file and folder that must exist in a state folder after `up` and the first use, and its mode. */
const LOCKED = [
  ['secrets.env', 0o600],
  ['stack.env', 0o600],
  ['secret.key', 0o600],
  ['postwerk.db', 0o640],
  ['dovecot/dovecot.conf', 0o640],
  ['dovecot/sql.conf.ext', 0o640],
  ['dovecot/master-users', 0o640],
  ['source-imap/dovecot.conf', 0o640],
  ['source-imap/master-users', 0o640],
  ['redis/redis.conf', 0o640],
  ['slapd/slapd.conf', 0o640],
  ['rspamd/etc/local.d/redis.conf', 0o640],
  ['postgres/data/pg_hba.conf', 0o600],
] as const;

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(group: string): number {
  return Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
}

/**
 * Files below `root` that any local user could read: the file is readable by others and every folder on
 * the way (from / down) lets others through.
 */
function worldReadableFiles(root: string): string[] {
  const found: string[] = [];
  const othersEnter = (dir: string): boolean => (fs.statSync(dir).mode & 0o001) !== 0;
  for (let d = path.dirname(root); ; d = path.dirname(d)) {
    if (!othersEnter(d)) return found;
    if (d === path.dirname(d)) break;
  }
  const walk = (dir: string) => {
    if (!othersEnter(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && (fs.lstatSync(p).mode & 0o004) !== 0) found.push(p);
    }
  };
  walk(root);
  return found;
}

/** Of those, the ones that hold one of `secrets` or a hash, or that are a database by name; with why. */
function exposedSecrets(root: string, secrets: string[]): string[] {
  const exposed: string[] = [];
  for (const file of worldReadableFiles(root)) {
    const rel = path.relative(root, file);
    if (SECRET_FILE_NAMES.test(path.basename(file))) {
      exposed.push(`${rel}: a database (password hashes)`);
      continue;
    }
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_SCANNED_BYTES) continue;
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue; // gone meanwhile (a pid file, a temp file of a server)
    }
    const secret = secrets.find((s) => text.includes(s));
    if (secret) exposed.push(`${rel}: holds a secret (${secret.slice(0, 4)}…)`);
    const hash = HASH_PATTERNS.find((re) => re.test(text));
    if (hash) exposed.push(`${rel}: holds a hash (${hash.source})`);
  }
  return exposed;
}

function knownSecrets(): string[] {
  const secrets = Object.values(parseEnvFile(fs.readFileSync(path.join(HOME, 'secrets.env'), 'utf8')));
  secrets.push(fs.readFileSync(path.join(HOME, 'secret.key'), 'utf8').trim());
  return secrets.filter((s) => s.length >= 16);
}

describe('secrets and files of a fresh state folder', () => {
  beforeAll(async () => {
    // something for every kind of secret to exist: an account (a hash in the database), the platform key
    const db = testDb();
    try {
      await createTestAccount(db);
    } finally {
      await db.destroy();
    }
    expect(testConfig().secretKey).toHaveLength(32);
  });

  it('has each secret-bearing file with its restrictive mode, the database with group dovecot', () => {
    const modes = LOCKED.map(([rel]) => [rel, fs.statSync(path.join(HOME, rel)).mode & 0o777]);
    expect(modes).toEqual(LOCKED.map(([rel, mode]) => [rel, mode]));
    const dovecot = gidOf('dovecot');
    for (const f of ['postwerk.db', 'postwerk.db-wal', 'postwerk.db-shm']) {
      const file = path.join(HOME, f);
      if (f !== 'postwerk.db' && !fs.existsSync(file)) continue; // -wal/-shm exist while a connection is open
      const st = fs.statSync(file);
      expect({ f, mode: st.mode & 0o777, gid: st.gid }).toEqual({ f, mode: 0o640, gid: dovecot });
    }
  });

  it('has no file that another local user could read holding a secret or a hash', () => {
    expect(knownSecrets().length).toBeGreaterThanOrEqual(8);
    expect(exposedSecrets(HOME, knownSecrets())).toEqual([]);
  });

  it('would notice one: a world-readable copy of a secret, a hash or a database is reported', () => {
    // the scan above passes only if it can fail: the same scan on a folder with planted exposures
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-exposed-'));
    try {
      fs.chmodSync(dir, 0o755);
      fs.mkdirSync(path.join(dir, 'sub'), { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'sub', 'app.conf'), `key = ${knownSecrets()[0]}\n`, { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'users'), 'alice:{BLF-CRYPT}$2b$10$abcdefghijklmnopqrstuv\n', { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'postwerk.db'), '', { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'locked.conf'), `key = ${knownSecrets()[0]}\n`, { mode: 0o600 });
      fs.mkdirSync(path.join(dir, 'closed'), { mode: 0o750 });
      fs.writeFileSync(path.join(dir, 'closed', 'app.conf'), `key = ${knownSecrets()[0]}\n`, { mode: 0o644 });

      expect(
        exposedSecrets(dir, knownSecrets())
          .map((e) => e.replace(/ \(.*\)$/, ''))
          .sort(),
      ).toEqual(['postwerk.db: a database', 'sub/app.conf: holds a secret', 'users: holds a hash']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a new SQLite database 0640 and takes world access from an old one and its -wal/-shm', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-dbmode-'));
    try {
      const fresh = path.join(dir, 'fresh.db');
      const db = createDb({ db: { client: 'sqlite', filename: fresh, poolMax: 1 } });
      await db.schema.createTable('t', (t) => t.string('password_hash'));
      await db('t').insert({ password_hash: 'x' });
      const sides = ['fresh.db', 'fresh.db-wal', 'fresh.db-shm'].map((f) => [f, fs.statSync(path.join(dir, f)).mode & 0o777]);
      await db.destroy();
      expect(sides).toEqual([
        ['fresh.db', 0o640],
        ['fresh.db-wal', 0o640],
        ['fresh.db-shm', 0o640],
      ]);

      const old = path.join(dir, 'old.db');
      for (const f of [old, `${old}-wal`, `${old}-shm`]) fs.writeFileSync(f, '', { mode: 0o644 });
      fs.chmodSync(old, 0o644); // (writeFileSync honours the umask; make sure the bits are there)
      const db2 = createDb({ db: { client: 'sqlite', filename: old, poolMax: 1 } });
      await db2.destroy();
      expect([old, `${old}-wal`, `${old}-shm`].map((f) => fs.statSync(f).mode & 0o777)).toEqual([0o640, 0o640, 0o640]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs Redis and clamd as their unprivileged users, not root', () => {
    const uidOfPid = (pidFile: string) => {
      const pid = fs.readFileSync(path.join(HOME, pidFile), 'utf8').trim();
      return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    };
    expect({ redis: uidOfPid('redis/redis.pid'), clamd: uidOfPid('clamav/clamd.pid') }).toEqual({
      redis: uidOf('redis'),
      clamd: uidOf('clamav'),
    });
    expect(uidOf('redis')).not.toBe(0);
    expect(uidOf('clamav')).not.toBe(0);
  });

  describe('Redis', () => {
    const url = new URL(testConfig().redisUrl);
    /** Sends inline commands on one plain connection and returns the first line of each reply. */
    function redisSays(...commands: string[]): Promise<string[]> {
      return new Promise((resolve, reject) => {
        const replies: string[] = [];
        let buffered = '';
        const socket = net.connect(Number(url.port), url.hostname, () => socket.write(commands.map((c) => `${c}\r\n`).join('')));
        socket.setTimeout(5_000, () => socket.destroy(new Error(`redis answered ${replies.length} of ${commands.length} commands`)));
        socket.on('error', reject);
        socket.on('data', (d: Buffer) => {
          buffered += d.toString('utf8');
          let nl: number;
          while ((nl = buffered.indexOf('\r\n')) >= 0 && replies.length < commands.length) {
            replies.push(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 2);
          }
          if (replies.length === commands.length) {
            socket.end();
            resolve(replies);
          }
        });
      });
    }

    it('refuses a client without the password, and one with a wrong password', async () => {
      const [ping, keys, auth, pingAgain] = await redisSays('PING', 'KEYS *', 'AUTH wrong-password', 'PING');
      expect({ ping, keys, pingAgain }).toEqual({
        ping: expect.stringMatching(/^-NOAUTH/),
        keys: expect.stringMatching(/^-NOAUTH/),
        pingAgain: expect.stringMatching(/^-NOAUTH/),
      });
      expect(auth).toMatch(/^-WRONGPASS/);
    });

    it('answers the URL the application uses (it carries the generated password)', async () => {
      expect(url.password).toBe(parseEnvFile(fs.readFileSync(path.join(HOME, 'secrets.env'), 'utf8')).POSTWERK_REDIS_PASSWORD);
      const c = new IORedis(testConfig().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        expect(await c.ping()).toBe('PONG');
      } finally {
        c.disconnect();
      }
    });
  });

  describe('PostgreSQL', () => {
    const url = new URL(process.env.POSTWERK_DATABASE_URL ?? '');
    async function connect(password?: string): Promise<string> {
      const c = new pg.Client({ host: url.hostname, port: Number(url.port), user: 'postgres', database: 'postwerk', password });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return (await c.query('SELECT 1 AS one')).rows[0].one === 1 ? 'connected' : 'odd answer';
      } catch (e) {
        return `${(e as { code?: string }).code ?? ''} ${(e as Error).message}`.trim();
      } finally {
        await c.end().catch(() => undefined);
      }
    }

    it('refuses a connection without a password, and one with a wrong password', async () => {
      // the server asks for SCRAM and the client has nothing to answer with (trust would let it in)
      expect(await connect()).toMatch(/SASL|password/);
      expect(await connect('wrong-password')).toMatch(/^28P01 password authentication failed/);
    });

    it('lets in the URL the application uses, and knows no trust rule and only a SCRAM verifier', async () => {
      expect(url.password).toBe(parseEnvFile(fs.readFileSync(path.join(HOME, 'secrets.env'), 'utf8')).POSTWERK_PG_PASSWORD);
      expect(await connect(decodeURIComponent(url.password))).toBe('connected');
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        const rules = await c.query(`SELECT type, auth_method FROM pg_hba_file_rules ORDER BY line_number`);
        expect(rules.rows.map((r) => `${r.type} ${r.auth_method}`)).toEqual(['local peer', 'host scram-sha-256', 'host scram-sha-256']);
        const role = await c.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'`);
        expect(role.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$/);
      } finally {
        await c.end();
      }
    });
  });
});
