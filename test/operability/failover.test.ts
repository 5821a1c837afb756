import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { createServices } from '../../control-plane/services';
import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { createRedis, JobQueue } from '../../platform/queue';
import { collectUsageJob } from '../../quotas/jobs';
import { setProbeSettings } from '../../operability/use-cases/set-probe-settings';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { tokenFor } from '../control-plane/harness';
import { destinationCount, seedSource, source, uniqSourceUser } from '../migration-projects/support';
import { startFaultProxy } from '../migrator/fault-proxy';

/**
 * Two nodes on PostgreSQL (issue 15): two API processes (build/control-plane/main/api.js, what
 * `npm run api` runs) and two worker processes (failover-worker.ts: the same handlers), sharing the
 * stack's PostgreSQL and a Redis database of this file's own (the other test files' queues stay apart).
 * While a migration pass (held mid-pass: a proxy in front of the source holds its first body FETCH), a
 * quota usage collection and a scheduled probe job run on worker 1, worker 1 and API 1 are killed with
 * SIGKILL. API 2 keeps answering; BullMQ gives the killed worker's jobs to
 * worker 2 once their locks run out (stalled jobs), and each completes there once; nothing is
 * duplicated: the destination mailbox holds every source message once, each probe slot ran once.
 * The PostgreSQL run alone includes this file (jest.config.js, POSTGRES_ONLY).
 */
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const MESSAGES = 400;
const ACCOUNTS = 300;
/** a Redis database of this file alone (the stack's tests use database 0) */
const REDIS_DB = 13;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const redisUrl = (() => {
  const u = new URL(testConfig().redisUrl);
  u.pathname = `/${REDIS_DB}`;
  return u.toString();
})();
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  POSTWERK_REDIS_URL: redisUrl,
  POSTWERK_LOG_LEVEL: 'warn',
  POSTWERK_API_RATE_LIMIT: '0',
  POSTWERK_2FA_REQUIRED_ROLES: 'none',
  ...extra,
});

const children: ChildProcess[] = [];
function startApi(port: number): ChildProcess {
  const c = spawn(process.execPath, [path.join(ROOT, 'build/control-plane/main/api.js')], {
    cwd: ROOT,
    env: env({ POSTWERK_API_PORT: String(port), POSTWERK_API_HOST: '127.0.0.1' }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(c);
  return c;
}
async function startWorkerProcess(name: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'failover-worker.ts')], {
    cwd: ROOT,
    env: env({ FAILOVER_WORKER_NAME: name }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    c.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}`)));
  });
  return c;
}
const healthy = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
  } catch {
    return false;
  }
};

const base = createServices({ ...testConfig(), redisUrl });
const redis = createRedis(redisUrl);
redis.on('error', () => undefined);
const services = { ...base, queue: new JobQueue(redis) };
const inspectConn = createRedis(redisUrl, { forWorker: true });
const queues = {
  migrations: new Queue('migrations', { connection: inspectConn, prefix: 'postwerk' }),
  quotas: new Queue('quotas', { connection: inspectConn, prefix: 'postwerk' }),
  probes: new Queue('probes', { connection: inspectConn, prefix: 'postwerk' }),
};

beforeAll(async () => {
  await redis.flushdb();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis.flushdb().catch(() => undefined);
  for (const q of Object.values(queues)) await q.close();
  inspectConn.disconnect();
  await services.queue.close();
  redis.disconnect();
  await base.close();
});

test('SIGKILL of one API and one worker mid-work: the other API answers, every job completes once on the other worker, nothing twice', async () => {
  const ctx = withActor(services, cliActor());
  const token = await tokenFor(ctx, 'operator');
  const headers = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const tenant = await createTestTenant(services.db);
  const dest = await createTestAccount(services.db, { tenant });
  for (let i = 0; i < ACCOUNTS; i++) await createTestAccount(services.db, { tenant, quotaBytes: 1024 ** 2 });
  const srcUser = uniqSourceUser();
  await seedSource(srcUser, 'INBOX', MESSAGES);

  const [port1, port2] = [await freePort(), await freePort()];
  const api1 = startApi(port1);
  startApi(port2);
  await until('both APIs', async () => (await healthy(port1)) && (await healthy(port2)), 60_000, 200);
  const w1 = await startWorkerProcess('w1');
  const proxy = await startFaultProxy({ host: source.host(), port: source.port() }, { holdCommand: /^\S+ UID FETCH .*BODY\.PEEK\[\]/i });

  // a scheduled job: the tenant's probe every 2 s (no delivery step: no ingress runs here)
  await setProbeSettings(ctx, { tenantId: tenant.tenantId, everySeconds: 2, delivery: false });
  await until(
    'a probe run on worker 1',
    async () => (await services.db('probe_runs').where({ tenant_id: tenant.tenantId })).length > 0,
    60_000,
  );
  // a migration pass, started through API 1
  const created = await fetch(`http://127.0.0.1:${port1}/api/v1/tenants/${tenant.tenantId}/migrations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'failover',
      source: { host: '127.0.0.1', port: proxy.port, security: 'plain' },
      auth: { method: 'password' },
      accountsCsv: `source_user,destination_address,source_password\n${srcUser},${dest.address},"${source.password()}"\n`,
    }),
  });
  expect(created.status).toBe(201);
  const projectId = ((await created.json()) as { id: string }).id;
  expect(
    (
      await fetch(`http://127.0.0.1:${port1}/api/v1/tenants/${tenant.tenantId}/migrations/${projectId}/prestage`, {
        method: 'POST',
        headers,
        body: '{}',
      })
    ).status,
  ).toBe(202);
  const migrationJob = await until('the pass running on worker 1', async () => (await queues.migrations.getActive())[0]);
  await until('the pass copying (held at the source)', async () => proxy.fired() === 1, 60_000);
  // a quota usage collection of the tenant's accounts
  await services.queue.enqueue(collectUsageJob, { tenantId: tenant.tenantId }, { jobId: `failover-collect-${tenant.tenantId}` });
  const collectJob = await until(
    'the collection running on worker 1',
    async () => (await queues.quotas.getActive()).find((j) => j.id === `failover-collect-${tenant.tenantId}`),
    30_000,
    20,
  );
  expect((await queues.migrations.getJob(migrationJob.id!))?.processedBy).toBe('w1');
  expect(collectJob.processedBy).toBe('w1');

  // the second worker joins, then the first node dies
  await startWorkerProcess('w2');
  w1.kill('SIGKILL');
  api1.kill('SIGKILL');
  // both were still running when the node died
  expect(await (await queues.migrations.getJob(migrationJob.id!))!.getState()).toBe('active');
  const collectState = await (await queues.quotas.getJob(collectJob.id!))!.getState();
  const killedAt = new Date().toISOString();
  expect(await healthy(port1)).toBe(false);

  // API 2 answers all along, while worker 2 takes over the stalled jobs
  const answers: number[] = [];
  const poll = (async () => {
    const end = Date.now() + 240_000;
    while (Date.now() < end) {
      const r = await fetch(`http://127.0.0.1:${port2}/api/v1/tenants/${tenant.tenantId}`, { headers });
      answers.push(r.status);
      const account = await services.db('migration_accounts').where({ project_id: projectId }).first();
      const collect = await queues.quotas.getJob(collectJob.id!);
      if (account?.status === 'synced' && (await collect?.getState()) === 'completed') return;
      await sleep(500);
    }
  })();
  await poll;
  expect(answers.length).toBeGreaterThan(0);
  expect(answers.every((s) => s === 200)).toBe(true);

  await proxy.close();
  // every job completed once, on worker 2
  const pass = (await queues.migrations.getJob(migrationJob.id!))!;
  expect(await pass.getState()).toBe('completed');
  expect(pass.processedBy).toBe('w2');
  const collect = (await queues.quotas.getJob(collectJob.id!))!;
  expect(await collect.getState()).toBe('completed');
  // (a collection of 300 accounts takes a second: it may have finished on worker 1 just before the kill)
  expect(collect.processedBy).toBe(collectState === 'active' ? 'w2' : 'w1');
  await until('probe runs on worker 2', async () =>
    (await queues.probes.getCompleted(0, 1000)).some((j) => j.processedBy === 'w2' && j.data.tenantId === tenant.tenantId),
  );
  await services.queue.removeSchedule('probes', `probe.run-${tenant.tenantId}`);

  // nothing duplicated: every message once in the destination, verified; one probe run per slot
  expect(await destinationCount(services, dest.address)).toBe(MESSAGES);
  const account = await services.db('migration_accounts').where({ project_id: projectId }).first();
  expect(account).toMatchObject({ status: 'synced' });
  const usage = await services.db('quota_usage').where({ tenant_id: tenant.tenantId });
  expect(usage.length).toBe(ACCOUNTS + 1);
  const runs = await services.db('probe_runs').where({ tenant_id: tenant.tenantId }).orderBy('at');
  const probeJobs = (await queues.probes.getCompleted(0, 10_000)).filter(
    (j) => j.name === 'probe.run' && j.data.tenantId === tenant.tenantId,
  );
  expect(runs.length).toBe(probeJobs.length);
  expect(new Set(runs.map((r) => r.slot)).size).toBe(runs.length);
  expect(new Set(probeJobs.map((j) => j.id)).size).toBe(probeJobs.length);
  expect(runs.some((r) => r.at > killedAt)).toBe(true);
});
