import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, stateFolderKey } from './config';

/**
 * The state folder's secret.key (embedded mode): created 0600 from the start, read when it exists, and
 * the same key for every process that starts at once: processes released together by a barrier race for
 * the file, and each reports the key it got.
 */
const ROOT = path.resolve(__dirname, '..');
/** Enough racers that a check-then-write implementation loses (two of them both see no file). */
const RACERS = 8;
/** tsx compiles on start-up, slowly on a loaded machine: the barrier waits for every child first. */
const CHILD_TIMEOUT_MS = 60_000;

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-secret-key-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

// Each child says "ready", spins until the go file exists, then takes the key and prints it (hex).
const CHILD = `
const fs = require('node:fs');
const { stateFolderKey } = require(${JSON.stringify(path.join(ROOT, 'platform/config.ts'))});
const [home, go] = process.argv.slice(1);
process.stdout.write('ready\\n');
const wait = new Int32Array(new SharedArrayBuffer(4));
while (!fs.existsSync(go)) Atomics.wait(wait, 0, 0, 1);
process.stdout.write('key ' + stateFolderKey(home).toString('hex') + '\\n');
`;

function racer(go: string): { ready: Promise<void>; key: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD, home, go], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const key = new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => {
      const m = /key ([0-9a-f]{64})/.exec(out);
      if (code === 0 && m) resolve(m[1]!);
      else reject(new Error(`racer exited ${code}: ${err || out}`));
    });
  });
  return { ready, key };
}

describe('stateFolderKey', () => {
  it('creates secret.key with mode 0600 and reads the same key afterwards', () => {
    const key = stateFolderKey(home);
    const file = path.join(home, 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe(key.toString('hex'));
    expect(stateFolderKey(home).equals(key)).toBe(true);
    // the file it wrote first and linked is gone
    expect(fs.readdirSync(home)).toEqual(['secret.key']);
  });

  it('refuses a secret.key that is not a key instead of using it', () => {
    fs.writeFileSync(path.join(home, 'secret.key'), '', { mode: 0o600 });
    expect(() => stateFolderKey(home)).toThrow(ConfigError);
    expect(() => stateFolderKey(home)).toThrow(/not a key/);
  });

  it(
    `gives ${RACERS} processes that start at once one and the same key`,
    async () => {
      const go = path.join(home, 'go');
      const racers = Array.from({ length: RACERS }, () => racer(go));
      // (a child that dies before it is ready fails the test at once instead of leaving it waiting)
      await Promise.all(racers.map((r) => Promise.race([r.ready, r.key.then(() => undefined)])));
      fs.writeFileSync(go, '');
      const keys = await Promise.all(racers.map((r) => r.key));

      expect(new Set(keys).size).toBe(1);
      expect(fs.readFileSync(path.join(home, 'secret.key'), 'utf8')).toBe(keys[0]);
      expect(fs.statSync(path.join(home, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(home).sort()).toEqual(['go', 'secret.key']);
    },
    CHILD_TIMEOUT_MS,
  );
});
