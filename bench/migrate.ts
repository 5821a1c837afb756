// `npm run bench -- migrate`: builds a 10,000-message mailbox (realistic size mix with one
// 30 MB message, 20 folders) on the source server, migrates it with verification to one
// destination account, and measures a naive baseline (one connection, FETCH one message then
// APPEND it, no state, no verification) into another, and the best raw parallel copy: UID-range
// FETCH BODY.PEEK[] over imapflow into MULTIAPPEND batches on N connections (N = 1, 2, 4, 8, the
// fastest counts), no state, no verification, each into an account of its own. That copy is the
// physical limit on this machine; the migration (its verification included) is measured against it.
// Starts its own stack when none runs. `--big`: one folder of 500,000 messages (bench/migrate-big).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runMigrationPass, verifyMailbox } from '../migrator';
import { encodeMailboxName } from '../migrator/imap/mailbox-name';
import { type AppendItem, RawImapConnection } from '../migrator/imap/raw-append';
import { parseEndpoint } from '../migrator/options';
import { openSqliteStateStore } from '../migrator/state/sqlite';
import * as S from '../test/migrator/support';
import { benchStack } from './support/stack';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 10_000);
const FOLDERS = 20;
const ROOT = path.resolve(__dirname, '..');
/** Connection counts the raw parallel copy is tried with; the fastest one is the limit. */
const RAW_CONNECTIONS = [1, 2, 4, 8];
/** One raw FETCH task: at most this many messages and bytes, so that N connections share the work evenly. */
const RAW_TASK_MESSAGES = 250;
const RAW_TASK_BYTES = 8 * 1024 * 1024;
/** One MULTIAPPEND of the raw copy: the migrator's batch bounds. */
const RAW_APPEND_MESSAGES = 200;
const RAW_APPEND_BYTES = 4 * 1024 * 1024;

// deterministic size mix: mostly small text mail, some attachments, a few large, one 30 MB
function sizeOf(i: number): number {
  if (i === 0) return 30 * 1024 * 1024;
  const r = ((i * 2654435761) % 1000) / 1000;
  if (r < 0.6) return 1500 + Math.floor(r * 10000); // 1.5-7.5 KB
  if (r < 0.9) return 8000 + Math.floor((r - 0.6) * 200000); // 8-68 KB
  if (r < 0.995) return 70000 + Math.floor((r - 0.9) * 6000000); // 70-640 KB
  return 1024 * 1024 + Math.floor((r - 0.995) * 600000000); // 1-4 MB
}

async function ensureStack(): Promise<(() => void) | undefined> {
  const reuse = Boolean(process.env.POSTWERK_SOURCE_IMAP_PORT && process.env.POSTWERK_IMAP_PORT);
  return (await benchStack({ services: ['dovecot', 'source-imap'], reuse, intoProcess: true, migrate: true })).down;
}

async function buildMailbox(user: string): Promise<{ folders: string[]; bytes: number }> {
  const folders = [
    'INBOX',
    'Sent',
    'Drafts',
    'Archive',
    ...Array.from({ length: FOLDERS - 4 }, (_, i) => `Projects.P${String(i + 1).padStart(2, '0')}`),
  ];
  const ep = parseEndpoint(S.sourceEndpoint(user), 'source');
  let bytes = 0;
  const per = folders.map((_, f) => Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % FOLDERS === f));
  await Promise.all(
    [0, 1, 2, 3].map(async (w) => {
      const conn = await RawImapConnection.open(ep);
      try {
        for (let f = w; f < folders.length; f += 4) {
          const name = encodeMailboxName(folders[f]);
          if (folders[f] !== 'INBOX') await conn.command(`CREATE "${name}"`).catch(() => undefined);
          let batch: Array<{ flags: string[]; internalDate: Date; size: number; body: Buffer }> = [];
          let batchBytes = 0;
          const flush = async (): Promise<void> => {
            if (batch.length) await conn.append(name, batch);
            batch = [];
            batchBytes = 0;
          };
          for (const i of per[f]) {
            const size = sizeOf(i);
            const body =
              size > 64 * 1024
                ? S.bigMessage(`bench ${i}`, size)
                : S.textMessage(`bench ${i}`, { body: 'x'.repeat(Math.max(10, size - 400)).replace(/(.{76})/g, '$1\r\n') + '\r\n' });
            bytes += body.length;
            batch.push({
              flags: i % 3 ? ['\\Seen'] : i % 7 ? [] : ['\\Flagged', '$Work'],
              internalDate: new Date(Date.UTC(2015 + (i % 10), i % 12, 1 + (i % 28))),
              size: body.length,
              body,
            });
            batchBytes += body.length;
            if (batch.length >= 200 || batchBytes > 8 * 1024 * 1024) await flush();
          }
          await flush();
        }
      } finally {
        await conn.close();
      }
    }),
  );
  return { folders, bytes };
}

async function naiveBaseline(user: string, dest: S.DestAccount): Promise<{ messages: number; seconds: number }> {
  const src = await S.connect(S.sourceEndpoint(user, { master: true }));
  const dst = await S.connect(S.destEndpoint(dest));
  const t0 = process.hrtime.bigint();
  let n = 0;
  try {
    for (const f of await src.list()) {
      if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
      const target = f.path.split(f.delimiter).join('/');
      if (target !== 'INBOX') await dst.mailboxCreate(target).catch(() => undefined);
      const lock = await src.getMailboxLock(f.path, { readOnly: true });
      try {
        const uids = ((await src.search({ all: true }, { uid: true })) || []) as number[];
        for (const uid of uids) {
          const m = await src.fetchOne(String(uid), { uid: true, source: true, flags: true, internalDate: true }, { uid: true });
          if (!m || !m.source) continue;
          await dst.append(
            target,
            m.source,
            [...(m.flags ?? [])].filter((x) => x !== '\\Recent'),
            m.internalDate,
          );
          n++;
        }
      } finally {
        lock.release();
      }
    }
  } finally {
    await src.logout();
    await dst.logout();
  }
  return { messages: n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

interface RawTask {
  folder: string;
  /** the destination name, modified UTF-7 */
  target: string;
  first: number;
  last: number;
  bytes: number;
}

/** Every source message by UID range, the tasks with most bytes first (the 30 MB message starts at once). */
async function rawTasks(src: Awaited<ReturnType<typeof S.connect>>): Promise<RawTask[]> {
  const tasks: RawTask[] = [];
  for (const f of await src.list()) {
    if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
    const target = encodeMailboxName(f.path.split(f.delimiter).join('/'));
    await src.mailboxOpen(f.path, { readOnly: true });
    const metas = (await src.fetchAll('1:*', { uid: true, size: true }, { uid: true })).sort((a, b) => a.uid - b.uid);
    let cur: RawTask | undefined;
    let n = 0;
    for (const m of metas) {
      if (!cur || n >= RAW_TASK_MESSAGES || cur.bytes + (m.size ?? 0) > RAW_TASK_BYTES) {
        cur = { folder: f.path, target, first: m.uid, last: m.uid, bytes: 0 };
        tasks.push(cur);
        n = 0;
      }
      cur.last = m.uid;
      cur.bytes += m.size ?? 0;
      n++;
    }
  }
  return tasks.sort((a, b) => b.bytes - a.bytes);
}

/** One connection pair of the raw copy: FETCH a task's UID range, MULTIAPPEND it while the next batch is read. */
async function rawWorker(user: string, dest: S.DestAccount, tasks: RawTask[]): Promise<{ messages: number; bytes: number }> {
  const src = await S.connect(S.sourceEndpoint(user, { master: true }));
  const dst = await RawImapConnection.open(parseEndpoint(S.destEndpoint(dest), 'destination'));
  let messages = 0;
  let bytes = 0;
  let inflight: Promise<unknown> = Promise.resolve();
  try {
    let open = '';
    for (let t = tasks.shift(); t; t = tasks.shift()) {
      if (open !== t.folder) await src.mailboxOpen(t.folder, { readOnly: true });
      open = t.folder;
      let batch: AppendItem[] = [];
      let batchBytes = 0;
      const flush = async (target: string): Promise<void> => {
        if (!batch.length) return;
        const items = batch;
        batch = [];
        batchBytes = 0;
        await inflight; // one APPEND in flight per connection, the next batch read meanwhile
        inflight = dst.append(target, items);
        inflight.catch(() => undefined); // awaited at the next flush or at the end
      };
      for await (const m of src.fetch(
        `${t.first}:${t.last}`,
        { uid: true, source: true, flags: true, internalDate: true },
        { uid: true },
      )) {
        if (!m.source) continue;
        batch.push({
          flags: [...(m.flags ?? [])].filter((x) => x !== '\\Recent'),
          internalDate: new Date(m.internalDate ?? Date.now()),
          size: m.source.length,
          body: m.source,
        });
        batchBytes += m.source.length;
        messages++;
        bytes += m.source.length;
        if (batch.length >= RAW_APPEND_MESSAGES || batchBytes >= RAW_APPEND_BYTES) await flush(t.target);
      }
      await flush(t.target);
    }
    await inflight;
  } finally {
    await src.logout().catch(() => undefined);
    await dst.close();
  }
  return { messages, bytes };
}

/** The raw copy on `connections` connection pairs into a fresh account: listing, folders and copy timed together. */
async function rawParallelCopy(user: string, connections: number): Promise<{ messages: number; bytes: number; seconds: number }> {
  const dest = await S.createDestinationAccount();
  const t0 = process.hrtime.bigint();
  const src = await S.connect(S.sourceEndpoint(user, { master: true }));
  let tasks: RawTask[];
  try {
    tasks = await rawTasks(src);
  } finally {
    await src.logout().catch(() => undefined);
  }
  const dst = await RawImapConnection.open(parseEndpoint(S.destEndpoint(dest), 'destination'));
  try {
    for (const target of new Set(tasks.map((t) => t.target)))
      if (target !== 'INBOX') await dst.command(`CREATE "${target}"`).catch(() => undefined);
  } finally {
    await dst.close();
  }
  const done = await Promise.all(Array.from({ length: connections }, () => rawWorker(user, dest, tasks)));
  return {
    messages: done.reduce((s, d) => s + d.messages, 0),
    bytes: done.reduce((s, d) => s + d.bytes, 0),
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

async function main(): Promise<void> {
  const stop = await ensureStack();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const user = S.uniqUser('bench');
    let t = Date.now();
    // built in a child process, so the RSS measured here is the migration's alone
    const built = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', __filename, '--build', user], { cwd: ROOT, env: process.env, maxBuffer: 1 << 20 })
        .toString()
        .trim()
        .split('\n')
        .pop()!,
    ) as { folders: string[]; bytes: number };
    console.log(
      `built ${TOTAL} messages, ${(built.bytes / 1048576).toFixed(1)} MB in ${built.folders.length} folders on the source in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    const [destA, destB] = [await S.createDestinationAccount(), await S.createDestinationAccount()];
    const st = await openSqliteStateStore(':memory:');
    const ctx = { logger: S.silentLogger, migrationId: `bench-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(destA), store: st.store };
    peak = process.memoryUsage().rss;
    const baseRss = peak;
    t = Date.now();
    const pass = await runMigrationPass(ctx, input);
    const passS = (Date.now() - t) / 1000;
    const peakPass = peak;
    t = Date.now();
    const report = await verifyMailbox(ctx, input);
    const verifyS = (Date.now() - t) / 1000;
    const peakMigrate = peak;
    await st.close();
    if (pass.totals.copied !== TOTAL || !report.verified)
      throw new Error(`migration incomplete: copied ${pass.totals.copied}, verified ${report.verified}, missing ${report.totals.missing}`);
    const totalS = passS + verifyS;
    const rate = TOTAL / totalS;
    const mbps = pass.totals.bytesCopied / 1048576 / totalS;
    console.log(
      `migrate pass:   ${TOTAL} messages, ${(pass.totals.bytesCopied / 1048576).toFixed(1)} MB in ${passS.toFixed(2)} s (${(TOTAL / passS).toFixed(0)} msg/s)`,
    );
    console.log(
      `verification:   ${report.totals.matched} matched, ${report.totals.missing} missing, ${report.totals.flagMismatches} flag mismatches in ${verifyS.toFixed(2)} s; manifest ${report.manifestDigest.slice(0, 16)}…`,
    );
    console.log(
      `peak RSS:       ${(peakMigrate / 1048576).toFixed(0)} MB (before the pass: ${(baseRss / 1048576).toFixed(0)} MB, peak of the copy pass: ${(peakPass / 1048576).toFixed(0)} MB)`,
    );

    if (process.env.BENCH_SKIP_BASELINE) return; // development only: no last line without a baseline
    const naive = await naiveBaseline(user, destB);
    const naiveRate = naive.messages / naive.seconds;
    console.log(
      `naive baseline: ${naive.messages} messages in ${naive.seconds.toFixed(2)} s (${naiveRate.toFixed(0)} msg/s), one connection, FETCH one then APPEND it, no state, no verification`,
    );
    let best: { connections: number; seconds: number } | undefined;
    for (const connections of RAW_CONNECTIONS) {
      const raw = await rawParallelCopy(user, connections);
      if (raw.messages !== TOTAL) throw new Error(`raw parallel copy on ${connections} connection(s) copied ${raw.messages} of ${TOTAL}`);
      console.log(
        `raw copy ×${connections}:    ${raw.messages} messages, ${(raw.bytes / 1048576).toFixed(1)} MB in ${raw.seconds.toFixed(2)} s (${(raw.messages / raw.seconds).toFixed(0)} msg/s)`,
      );
      if (!best || raw.seconds < best.seconds) best = { connections, seconds: raw.seconds };
    }
    console.log(
      `raw parallel copy: best on ${best!.connections} connection(s), ${(TOTAL / best!.seconds).toFixed(0)} msg/s; UID-range FETCH BODY.PEEK[] into MULTIAPPEND, no state, no verification`,
    );
    // the migration's time includes its verification; the raw copy has none
    console.log(
      `migrate: ${rate.toFixed(0)} msg/s ${mbps.toFixed(1)} MB/s verify ${verifyS.toFixed(1)} s; ${(rate / naiveRate).toFixed(1)}x naive baseline; ${(best!.seconds / totalS).toFixed(2)} of raw parallel copy`,
    );
  } finally {
    clearInterval(sampler);
    await S.releaseDb();
    stop?.();
  }
}

if (process.argv.includes('--big')) {
  // a folder of 500,000 messages: memory and the no-op delta (bench/migrate-big)
  import('./migrate-big')
    .then((big) => big.runBig(ensureStack))
    .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
} else if (process.argv[2] === '--build') {
  buildMailbox(process.argv[3]).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
