import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Db } from '../../platform/db';
import { createTestTenant } from '../support/fixtures';
import { listEvents } from '../../filters/repositories/messages';
import { account, findInMailbox, message, queueIdOf, send, startPipeline, waitFinal, type Pipeline } from './support';

/**
 * A private Redis (never the shared one) and a filters worker in a child process: killing the worker
 * with SIGKILL mid-delivery and starting it again delivers every acknowledged message exactly once
 * (counted by Message-ID in Dovecot); restarting Redis with jobs pending loses nothing (spool rescanned).
 */
const ROOT = path.resolve(__dirname, '../..');
let redis: ChildProcess | null = null;
let redisPort = 0;
let p: Pipeline;
let db: Db;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(redisPort, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('private redis did not start');
}
async function stopRedis(): Promise<void> {
  const r = redis;
  redis = null;
  if (!r || r.exitCode !== null) return;
  await new Promise<void>((res) => {
    r.once('exit', () => res());
    r.kill('SIGKILL');
  });
}

/** Starts the child worker and waits for its 'ready' line (tsx startup is slow on a loaded machine). */
async function startChild(): Promise<ChildProcess> {
  const env = {
    ...process.env,
    POSTWERK_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    POSTWERK_SPOOL_DIR: p.config.smtp.spoolDir,
    POSTWERK_QUARANTINE_DIR: p.config.quarantineDir,
    POSTWERK_HOME: p.home,
    POSTWERK_SMTP_HOSTNAME: 'mx.postwerk.test',
  };
  return spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-child.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  // the ingress in this process (queue prefix 'postwerk', as the child's services use), no worker here
  p = await startPipeline({ worker: false, redisUrl: `redis://127.0.0.1:${redisPort}`, prefix: 'postwerk' });
  db = p.services.db;
}, 30_000);
afterAll(async () => {
  await p?.close();
  await stopRedis();
});

async function sendMany(address: string, n: number) {
  const out: Array<{ qid: string; messageId: string }> = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const m = message({ to: address, body: 'z'.repeat(20_000) });
      const info = await send(p.ingress.port, { from: 'sender@sender.test', to: [address] }, m.raw);
      out.push({ qid: queueIdOf(info.response), messageId: m.messageId });
    }),
  );
  return out;
}

test('SIGKILL of the worker mid-delivery, then a new worker: every acknowledged message exactly once', async () => {
  const tenant = await createTestTenant(db);
  const a = await account(db, { tenant });
  const sent = await sendMany(a.address, 40);
  const child = await startChild();
  // kill it as soon as the first deliveries are recorded, while others are under way
  const end = Date.now() + 120_000;
  for (;;) {
    const delivered = (await Promise.all(sent.map((s) => listEvents(db, { queueId: s.qid }))))
      .flat()
      .filter((e) => e.stage === 'delivered').length;
    if (delivered >= 3) break;
    if (Date.now() > end) throw new Error('the worker delivered nothing');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const again = await startChild();
  try {
    for (const s of sent) expect((await waitFinal(p, s.qid, 120_000)).map((t) => t.status)).toEqual(['delivered']);
    for (const s of sent) expect(await findInMailbox(p.config, a.address, s.messageId)).toHaveLength(1);
  } finally {
    again.kill('SIGKILL');
  }
}, 400_000);

test('Redis restarted (wiped) with jobs pending: the spool is rescanned, nothing is lost', async () => {
  const tenant = await createTestTenant(db);
  const a = await account(db, { tenant });
  const sent = await sendMany(a.address, 15);
  // no worker ran: every job is pending; Redis goes away with all of them
  await stopRedis();
  await startRedis();
  const child = await startChild();
  try {
    for (const s of sent) expect((await waitFinal(p, s.qid, 120_000)).map((t) => t.status)).toEqual(['delivered']);
    for (const s of sent) expect(await findInMailbox(p.config, a.address, s.messageId)).toHaveLength(1);
    expect(fs.readdirSync(p.spool.queueDir).filter((n) => sent.some((s) => n.startsWith(s.qid)))).toEqual([]);
  } finally {
    child.kill('SIGKILL');
  }
}, 400_000);
