import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue, type Worker } from 'bullmq';
import { backupAccount } from '../../backup/engine/pass';
import { acquireLease } from '../../backup/engine/lease';
import { holdTenant } from '../../backup/engine/tenant-hold';
import { backupIntegrityJob, backupRetentionJob } from '../../backup/jobs';
import { backupJobHandlers, syncBackupSchedules } from '../../backup/processors';
import { silentLogger } from '../../platform/logger';
import { createRedis, JobQueue, startWorker, type JobDefinition } from '../../platform/queue';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { api, auth, startHarness, tokenFor, type Harness } from '../control-plane/harness';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { testConfig, uniq } from '../support/env';
import { fill, sampleMessage, withImap } from './export-support';

/**
 * Backup maintenance end to end, against the real Dovecot, Redis (BullMQ) and store: retention set
 * through the API and applied by the daily job (index row of an expired deleted message gone, then its
 * body, the live message's body kept), no backup pass while retention holds the tenant (also of an
 * account created meanwhile), the integrity check through the API finding a body corrupted on disk
 * and the notification it raises, the daily schedules, the CLI's exit codes, and another tenant's
 * admin answered 404.
 */
const config = testConfig();
const BIN = path.resolve(__dirname, '../../bin/postwerk');
// a queue prefix of this file's own: the worker below runs only the jobs this file queues
const PREFIX = `postwerk-${uniq('ops')}`;
let h: Harness;
let jobs: JobQueue;
let worker: Worker;
let a: TestAccount;
const tok = {} as Record<'adminA' | 'adminB' | 'support' | 'operator', string>;
const hashes = {} as Record<'live' | 'doomed', string>;

const objectPath = (tenantId: string, hash: string) =>
  path.join(config.backup.dir, tenantId, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);
const backup = async (acc: TestAccount) =>
  backupAccount(h.services, (await findAccountById(h.services.db, acc.accountId))!, { trigger: 'demand' });
const base = () => `/api/v1/tenants/${a.tenantId}/backups`;

function postwerk(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, POSTWERK_LOG_LEVEL: 'error' },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Queues one job on this file's queue and waits for the worker's answer (its outcome, or its error). */
async function runJob<P>(def: JobDefinition<P>, payload: P): Promise<{ state: string; value: { detail: never }; reason: string }> {
  const id = await jobs.enqueue(def, payload, { jobId: uniq('job'), attempts: 1 });
  const q = new Queue(def.queue, { connection: createRedis(config.redisUrl, { forWorker: true }), prefix: PREFIX });
  try {
    for (;;) {
      const job = (await q.getJob(id!))!;
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') return { state, value: job.returnvalue, reason: job.failedReason };
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await q.close();
  }
}

beforeAll(async () => {
  h = startHarness();
  jobs = new JobQueue(createRedis(config.redisUrl), PREFIX);
  worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'backup',
    handlers: backupJobHandlers(h.services),
    logger: silentLogger,
    concurrency: 1,
    prefix: PREFIX,
  });
  const tenantA = await createTestTenant(h.services.db);
  const tenantB = await createTestTenant(h.services.db);
  a = await createTestAccount(h.services.db, { tenant: tenantA });
  tok.adminA = await tokenFor(h.operator, 'tenant_admin', tenantA.tenantId);
  tok.adminB = await tokenFor(h.operator, 'tenant_admin', tenantB.tenantId);
  tok.support = await tokenFor(h.operator, 'support');
  tok.operator = await tokenFor(h.operator, 'operator');
  const d = new Date(Date.UTC(2025, 4, 5));
  await fill(config, a.address, [
    { folder: 'INBOX', raw: sampleMessage(1, { subject: 'doomed' }), flags: [], internalDate: d },
    { folder: 'INBOX', raw: sampleMessage(2, { subject: 'live' }), flags: ['\\Seen'], internalDate: d },
  ]);
  await backup(a);
  const rows = await h.services.db('backup_messages').where({ account_id: a.accountId }).select('subject', 'hash');
  for (const r of rows as Array<{ subject: string; hash: string }>) hashes[r.subject as 'live' | 'doomed'] = r.hash;
});
afterAll(async () => {
  await worker.close();
  const q = new Queue('backup', { connection: createRedis(config.redisUrl, { forWorker: true }), prefix: PREFIX });
  await q.obliterate({ force: true });
  await q.close();
  await jobs.close();
  await h.close();
});

describe(`backup retention, garbage collection and integrity through jobs, API and CLI (${config.db.client})`, () => {
  it('sets retention through the API; the retention job drops an expired deleted message and its body, and keeps the live one', async () => {
    const defaults = await api(h.app).get(`${base()}/retention`).set(auth(tok.adminA)).expect(200);
    expect(defaults.body).toMatchObject({ tenantId: a.tenantId, deletedDays: 30, historyDays: 90, custom: false });

    await api(h.app).put(`${base()}/retention`).set(auth(tok.support)).send({ deletedDays: 1 }).expect(403);
    expect((await api(h.app).put(`${base()}/retention`).set(auth(tok.adminA)).send({})).status).toBe(400);
    expect((await api(h.app).put(`${base()}/retention`).set(auth(tok.adminA)).send({ deletedDays: 0 })).status).toBe(400);
    const set = await api(h.app).put(`${base()}/retention`).set(auth(tok.adminA)).send({ deletedDays: 1, historyDays: 2 }).expect(200);
    // self-service cannot reach back past what is kept: shortened with the deleted days
    expect(set.body).toMatchObject({ deletedDays: 1, historyDays: 2, selfServiceDays: 1, custom: true });
    const read = await api(h.app).get(`${base()}/retention`).set(auth(tok.support)).expect(200);
    expect(read.body).toMatchObject({ deletedDays: 1, historyDays: 2 });
    expect(await h.services.db('audit_log').where({ tenant_id: a.tenantId, action: 'backup.retention.updated' })).toHaveLength(1);

    await withImap(config, a.address, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageDelete({ subject: 'doomed' });
      } finally {
        lock.release();
      }
    });
    await backup(a);
    const doomedRow = () => h.services.db('backup_messages').where({ account_id: a.accountId, hash: hashes.doomed });

    // deleted today: within its day, nothing goes
    const early = await runJob(backupRetentionJob, { tenantId: a.tenantId });
    expect(early.state).toBe('completed');
    expect(early.value.detail).toMatchObject({ deletedRows: 0, garbage: { deleted: 0 } });
    expect(await doomedRow()).toHaveLength(1);

    // as if two days had passed since the deletion
    await doomedRow().update({ gone_at: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    const run = await runJob(backupRetentionJob, { tenantId: a.tenantId });
    expect(run.state).toBe('completed');
    expect(run.value.detail).toMatchObject({ deletedRows: 1, garbage: { checked: 2, deleted: 1 } });
    expect(await doomedRow()).toHaveLength(0);
    expect(fs.existsSync(objectPath(a.tenantId, hashes.doomed))).toBe(false);
    expect(fs.existsSync(objectPath(a.tenantId, hashes.live))).toBe(true);
    expect(await h.services.db('backup_messages').where({ account_id: a.accountId, hash: hashes.live, gone_at: null })).toHaveLength(1);
  });

  it('never runs a backup pass while retention holds the tenant, also of an account created meanwhile', async () => {
    const late = await holdTenant(h.services, a.tenantId, 'test', async () => {
      await expect(backup(a)).rejects.toMatchObject({ code: 'conflict' });
      const created = await createTestAccount(h.services.db, {
        tenant: { tenantId: a.tenantId, domainId: a.domainId, domain: a.domain },
      });
      await fill(config, created.address, [{ folder: 'INBOX', raw: sampleMessage(3), flags: [], internalDate: new Date() }]);
      await expect(backup(created)).rejects.toMatchObject({ code: 'conflict' });
      return created;
    });
    // and a running pass (its lease) holds retention off: the job fails, to be retried
    const lease = await acquireLease(h.services.db, a.accountId, a.address);
    try {
      const r = await runJob(backupRetentionJob, { tenantId: a.tenantId });
      expect(r.state).toBe('failed');
      expect(r.reason).toMatch(/retention waits for a running backup pass/);
    } finally {
      await lease.release();
    }
    // released: both back up again
    await backup(late);
    await backup(a);
    expect(await h.services.db('backup_messages').where({ account_id: late.accountId })).toHaveLength(1);
  });

  it('checks integrity through the API, reports a body corrupted on disk, and lists the check and its notification', async () => {
    const healthy = await api(h.app).post(`${base()}/integrity`).set(auth(tok.adminA)).send({}).expect(200);
    expect(healthy.body).toMatchObject({ status: 'passed', missing: 0, corrupt: 0 });
    await api(h.app).post(`${base()}/integrity`).set(auth(tok.support)).send({}).expect(403);

    const file = objectPath(a.tenantId, hashes.live);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 30] ^= 0x55;
    fs.writeFileSync(file, bytes);

    const failed = await api(h.app).post(`${base()}/integrity`).set(auth(tok.operator)).send({}).expect(200);
    expect(failed.body).toMatchObject({ status: 'failed', corrupt: 1, missing: 0 });
    expect(failed.body.problems).toEqual([expect.objectContaining({ hash: hashes.live, problem: 'corrupt' })]);

    const checks = await api(h.app).get(`${base()}/checks?kind=integrity`).set(auth(tok.support)).expect(200);
    expect(checks.body.items.slice(0, 2).map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [failed.body.id, 'failed'],
      [healthy.body.id, 'passed'],
    ]);
    const notes = await api(h.app).get(`/api/v1/tenants/${a.tenantId}/backups/notifications`).set(auth(tok.adminA)).expect(200);
    expect(notes.body.items).toEqual([
      expect.objectContaining({
        event: 'backup.integrity-failed',
        checkId: failed.body.id,
        detail: expect.objectContaining({ corrupt: 1 }),
      }),
    ]);

    // the daily job runs the same check: a finding, recorded and notified, not a failed job
    const job = await runJob(backupIntegrityJob, { tenantId: a.tenantId });
    expect(job.value.detail).toMatchObject({ status: 'failed', corrupt: 1 });
    const after = await api(h.app).get(`/api/v1/tenants/${a.tenantId}/backups/notifications`).set(auth(tok.support)).expect(200);
    expect(after.body.items).toHaveLength(2);
  });

  it('answers another tenant admin 404 on every maintenance route of the tenant', async () => {
    const t = auth(tok.adminB);
    expect((await api(h.app).get(`${base()}/retention`).set(t)).status).toBe(404);
    expect((await api(h.app).put(`${base()}/retention`).set(t).send({ deletedDays: 5 })).status).toBe(404);
    expect((await api(h.app).post(`${base()}/integrity`).set(t).send({})).status).toBe(404);
    expect((await api(h.app).get(`${base()}/checks`).set(t)).status).toBe(404);
    expect((await api(h.app).get(`${base()}/notifications`).set(t)).status).toBe(404);
    // nothing changed
    expect((await api(h.app).get(`${base()}/retention`).set(auth(tok.adminA)).expect(200)).body.deletedDays).toBe(1);
  });

  it('schedules the daily retention and integrity runs of every tenant', async () => {
    const prefix = `postwerk-${uniq('sched')}`;
    const queue = new JobQueue(createRedis(config.redisUrl), prefix);
    const q = new Queue('backup', { connection: createRedis(config.redisUrl, { forWorker: true }), prefix });
    try {
      await syncBackupSchedules({ ...h.services, queue });
      const byId = new Map((await q.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
      expect(byId.get(`backup.retention-${a.tenantId}`)).toMatchObject({ name: 'backup.retention', every: 86_400_000 });
      expect(byId.get(`backup.integrity-${a.tenantId}`)).toMatchObject({ name: 'backup.integrity', every: 86_400_000 });
    } finally {
      await q.obliterate({ force: true });
      await q.close();
      await queue.close();
    }
  });

  it('runs retention, gc and check from the CLI, with exit 1 when a body is corrupt', () => {
    const shown = postwerk(['backup', 'retention', '--tenant', a.tenantId, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ deletedDays: 1, historyDays: 2 });
    const set = postwerk(['backup', 'retention', '--tenant', a.tenantId, '--set-deleted-days', '7', '--set-history-days', '14']);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/deleted 7 days\thistory 14 days/);
    expect(postwerk(['backup', 'retention', '--set-deleted-days', '7']).code).toBe(2);
    expect(postwerk(['backup', 'retention', '--tenant', a.tenantId, '--set-history-days', 'x']).code).toBe(2);

    const gc = postwerk(['backup', 'gc', '--tenant', a.tenantId, '--json']);
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.out)).toEqual({ checked: 2, deleted: 0 });

    const check = postwerk(['backup', 'check', '--tenant', a.tenantId]);
    expect(check.code).toBe(1);
    expect(check.out).toContain(`CORRUPT ${hashes.live}`);
  });
});
