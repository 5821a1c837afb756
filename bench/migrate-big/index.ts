// `npm run bench -- migrate --big`: one source folder of BENCH_BIG_MESSAGES (default 500,000) small
// messages, migrated in full into a fresh destination account, then a delta with nothing changed.
// Each pass runs in a child process of its own, so its peak RSS (VmHWM) is the pass's alone.
//
// The folder is not appended over IMAP (hours for 500k): a Maildir is written straight into the source
// Dovecot's mail store (stack/conf/source-imap: maildir:~/Maildir, home source-mail/<domain>/<user>),
// indexed once by doveadm, and kept under ${POSTWERK_CACHE:-.stack-cache}/bench-big-<n>; later runs
// hard-link its message files into a new user's Maildir (Dovecot never rewrites a message file of a
// folder opened read-only) and copy its index files.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMigrationPass, verifyMailbox } from '../../migrator';
import type { EndpointInput } from '../../migrator/options';
import { openSqliteStateStore } from '../../migrator/state/sqlite';
import * as S from '../../test/migrator/support';

const ROOT = path.resolve(__dirname, '../..');
const COUNT = Number(process.env.BENCH_BIG_MESSAGES ?? 500_000);
/** The source Dovecot's mail uid (stack/stack.sh MAIL_UID). */
const MAIL_UID = 5000;

interface PassFigures {
  seconds: number;
  peakMb: number;
  copied: number;
  sourceCount: number;
  failed: number;
}

function message(i: number): Buffer {
  const date = new Date(Date.UTC(2016 + (i % 9), i % 12, 1 + (i % 28), i % 24, i % 60));
  const body = `message ${i} of the big folder\r\n${'lorem ipsum dolor sit amet '.repeat(1 + (i % 20))}\r\n`;
  return Buffer.from(
    `Message-ID: <big-${i}@bench.test>\r\nDate: ${date.toUTCString()}\r\nFrom: a@bench.test\r\nTo: b@bench.test\r\n` +
      `Subject: big ${i}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${body}`,
  );
}

/** Writes the cached Maildir (INBOX only) and lets the source Dovecot index it. */
function seedCache(dir: string, user: string): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const md = path.join(tmp, 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(path.join(md, d), { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const body = message(i);
    const flags = i % 3 ? 'S' : i % 7 ? '' : 'FS';
    const file = path.join(md, 'cur', `${1_500_000_000 + i}.M${i}P1.bench,S=${body.length}:2,${flags}`);
    writeFileSync(file, body);
    const t = new Date(Date.UTC(2016 + (i % 9), i % 12, 1 + (i % 28)));
    utimesSync(file, t, t);
  }
  renameSync(tmp, dir);
  indexWith(user, dir);
}

/** Hard-links the cached message files into `user`'s source Maildir and copies the rest (index, uidlist). */
function installFor(user: string, cache: string): void {
  const home = userHome(user);
  mkdirSync(path.dirname(home), { recursive: true });
  execFileSync('cp', ['-al', cache, home]);
  const md = path.join(home, 'Maildir');
  for (const f of readdirSync(md)) {
    const p = path.join(md, f);
    if (!statSync(p).isFile()) continue;
    copyFileSync(p, `${p}.copy`);
    renameSync(`${p}.copy`, p); // a file of its own: Dovecot appends to its index log
  }
  execFileSync('chown', ['-R', `${MAIL_UID}:${MAIL_UID}`, path.join(process.env.POSTWERK_HOME!, 'source-mail')]);
}

function userHome(user: string): string {
  const [local, domain] = user.toLowerCase().split('@');
  return path.join(process.env.POSTWERK_HOME!, 'source-mail', domain, local);
}

/** The first EXAMINE would index 500k files; doveadm does it once, into the cache. */
function indexWith(user: string, cache: string): void {
  const home = userHome(user);
  mkdirSync(path.dirname(home), { recursive: true });
  execFileSync('cp', ['-al', cache, home]);
  execFileSync('chown', ['-R', `${MAIL_UID}:${MAIL_UID}`, home]);
  const conf = path.join(process.env.POSTWERK_HOME!, 'source-imap', 'dovecot.conf');
  const out = execFileSync('doveadm', ['-c', conf, 'mailbox', 'status', '-u', user, 'messages uidnext', 'INBOX']).toString();
  if (!out.includes(`messages=${COUNT}`)) throw new Error(`doveadm indexed the seeded folder as: ${out.trim()}`);
  const md = path.join(home, 'Maildir');
  for (const f of readdirSync(md)) {
    const p = path.join(md, f);
    if (statSync(p).isFile()) copyFileSync(p, path.join(cache, 'Maildir', f));
  }
  rmSync(home, { recursive: true, force: true });
}

/** One pass in a child process: its time and VmHWM. */
function childPass(mode: 'full' | 'delta' | 'verify', source: EndpointInput, destination: EndpointInput, stateFile: string): PassFigures {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', __filename, '--pass', JSON.stringify({ mode, source, destination, stateFile })],
    {
      cwd: ROOT,
      env: process.env,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  // development: POSTWERK_TEST_LOG=debug BENCH_BIG_LOG=file keeps each pass's log
  if (process.env.BENCH_BIG_LOG) appendFileSync(process.env.BENCH_BIG_LOG, r.stdout + r.stderr);
  if (r.status !== 0) throw new Error(`${mode} pass failed (${r.status}): ${r.stderr.slice(-4000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PassFigures;
}

async function pass(arg: string): Promise<void> {
  const { mode, source, destination, stateFile } = JSON.parse(arg) as {
    mode: 'full' | 'delta' | 'verify';
    source: EndpointInput;
    destination: EndpointInput;
    stateFile: string;
  };
  const st = await openSqliteStateStore(stateFile);
  const t0 = process.hrtime.bigint();
  // development: BENCH_BIG_HEAP=1 prints the live heap (after a GC) every 10,000 messages copied, to tell growth from GC slack
  let copied = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const onProgress = (e: { kind: string; messages?: number }): void => {
    if (!process.env.BENCH_BIG_HEAP || e.kind !== 'messages' || !gc) return;
    const before = copied;
    copied += e.messages ?? 0;
    if (Math.floor(before / 10_000) === Math.floor(copied / 10_000)) return;
    gc();
    const m = process.memoryUsage();
    process.stderr.write(
      `heap ${copied}: live ${(m.heapUsed / 1048576).toFixed(1)} MB external ${(m.external / 1048576).toFixed(1)} MB rss ${(m.rss / 1048576).toFixed(0)} MB\n`,
    );
  };
  const ctx = { logger: S.silentLogger, migrationId: 'bench-big' };
  const input = { source, destination, store: st.store, options: { include: ['INBOX'] }, onProgress };
  // verify: the destination read back and hashed in full, the source's hashes from the state
  const counts =
    mode === 'verify'
      ? await verifyMailbox(ctx, { ...input, rehashSource: false }).then((v) => ({
          copied: v.totals.matched,
          failed: v.totals.missing,
          sourceCount: v.totals.sourceCount,
        }))
      : await runMigrationPass(ctx, { ...input, mode }).then((r) => ({
          copied: r.totals.copied,
          failed: r.totals.failed,
          sourceCount: r.folders.reduce((n, f) => n + f.sourceCount, 0),
        }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await st.close();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
  const figures: PassFigures = { seconds, peakMb: hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 1048576, ...counts };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

export async function runBig(ensureStack: () => Promise<(() => void) | undefined>): Promise<void> {
  const stop = await ensureStack();
  try {
    const cache = path.join(process.env.POSTWERK_CACHE ?? path.join(ROOT, '.stack-cache'), `bench-big-${COUNT}`);
    let t = Date.now();
    if (!existsSync(cache)) {
      seedCache(cache, S.uniqUser('bigseed'));
      console.log(`seeded ${COUNT} messages into ${cache} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const user = S.uniqUser('big');
    t = Date.now();
    installFor(user, cache);
    console.log(`installed the ${COUNT}-message folder for ${user} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const dest = await S.createDestinationAccount(64 * 1024 ** 3);
    const stateDir = path.join(os.tmpdir(), `postwerk-bench-big-${process.pid}`);
    mkdirSync(stateDir, { recursive: true });
    const stateFile = path.join(stateDir, 'state.sqlite');
    const source = S.sourceEndpoint(user, { master: true });
    const destination = S.destEndpoint(dest);
    try {
      const full = childPass('full', source, destination, stateFile);
      console.log(
        `full pass:       ${full.copied} copied of ${full.sourceCount} in ${full.seconds.toFixed(1)} s, peak RSS ${full.peakMb.toFixed(0)} MB`,
      );
      if (full.copied !== COUNT || full.failed) throw new Error(`full pass copied ${full.copied} of ${COUNT}, ${full.failed} failed`);
      const delta = childPass('delta', source, destination, stateFile);
      console.log(
        `no-op delta:     ${delta.copied} copied of ${delta.sourceCount} in ${delta.seconds.toFixed(1)} s, peak RSS ${delta.peakMb.toFixed(0)} MB`,
      );
      if (delta.copied || delta.failed) throw new Error(`the no-op delta copied ${delta.copied}, ${delta.failed} failed`);
      const verify = childPass('verify', source, destination, stateFile);
      console.log(
        `verification:    ${verify.copied} matched of ${verify.sourceCount} in ${verify.seconds.toFixed(1)} s, peak RSS ${verify.peakMb.toFixed(0)} MB`,
      );
      if (verify.copied !== COUNT || verify.failed)
        throw new Error(`verification matched ${verify.copied} of ${COUNT}, ${verify.failed} missing`);
      console.log(
        `migrate-big: ${COUNT} messages; full ${full.seconds.toFixed(1)} s peak ${full.peakMb.toFixed(0)} MB; no-op delta ${delta.seconds.toFixed(1)} s peak ${delta.peakMb.toFixed(0)} MB; verify ${verify.seconds.toFixed(1)} s peak ${verify.peakMb.toFixed(0)} MB`,
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(userHome(user), { recursive: true, force: true });
    }
  } finally {
    await S.releaseDb();
    stop?.();
  }
}

if (process.argv[2] === '--pass')
  pass(process.argv[3]).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
