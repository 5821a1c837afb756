import { Queue, type Worker } from 'bullmq';
import { createRedis, startWorker } from '../../platform/queue';
import { silentLogger } from '../../platform/logger';
import { purgeAccountJob } from '../../tenancy/jobs';
import { controlPlaneHandlers } from '../../tenancy/processors/index';
import { testConfig, uniq } from '../support/env';
import { api, auth, imapLogin, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/** Deletion step two through the real queue: the delayed job at deletion, its removal on restore, the sweep and the worker. */
const config = testConfig();
let h: Harness;
let queue: Queue;
let worker: Worker | undefined;

beforeAll(() => {
  h = startHarness();
  queue = new Queue('control-plane', { connection: createRedis(config.redisUrl, { forWorker: true }), prefix: 'postwerk' });
});
afterAll(async () => {
  await worker?.close();
  await queue.close();
  await h.close();
});

const jobIdOf = (accountId: string, deleteAfter: string) => purgeAccountJob.jobId!({ accountId, deleteAfter }).replace(/:/g, '_');

it(`queues the purge at deletion, drops it on restore, and the sweep + worker purge an overdue account (${config.db.client})`, async () => {
  const { tenant, domain } = await makeTenant(h.operator);
  const admin = await tokenFor(h.operator, 'tenant_admin', tenant.id);
  const password = strongPassword();
  const acc = (
    await api(h.app)
      .post(`/api/v1/tenants/${tenant.id}/accounts`)
      .set(auth(admin))
      .send({ address: `${uniq('pj')}@${domain.name}`, password })
      .expect(201)
  ).body;

  const del = (await api(h.app).delete(`/api/v1/tenants/${tenant.id}/accounts/${acc.id}`).set(auth(admin)).expect(202)).body;
  const job = await queue.getJob(jobIdOf(acc.id, del.deleteAfter));
  expect(job).toBeDefined();
  expect(await job!.getState()).toBe('delayed');
  expect(job!.opts.delay).toBeGreaterThan((config.deleteGraceDays - 1) * 86400_000);

  await api(h.app).post(`/api/v1/tenants/${tenant.id}/accounts/${acc.id}/restore`).set(auth(admin)).expect(200);
  expect(await queue.getJob(jobIdOf(acc.id, del.deleteAfter))).toBeUndefined();
  expect(await imapLogin(config, acc.address, password)).toBe(true);

  // deleted again, and the grace period is over (as if 30 days had passed)
  await api(h.app).delete(`/api/v1/tenants/${tenant.id}/accounts/${acc.id}`).set(auth(admin)).expect(202);
  await h.services
    .db('accounts')
    .where({ id: acc.id })
    .update({ delete_after: new Date(Date.now() - 1000).toISOString() });

  worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'control-plane',
    handlers: controlPlaneHandlers(h.services),
    logger: silentLogger,
    concurrency: 1,
  });
  const { sweepPurges } = await import('../../tenancy/use-cases/purge-account');
  const swept = await sweepPurges(h.services);
  expect((swept.detail as { queued: number }).queued).toBeGreaterThanOrEqual(1);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await h.services.db('accounts').where({ id: acc.id }).first()))
    await new Promise((r) => setTimeout(r, 200));
  expect(await h.services.db('accounts').where({ id: acc.id }).first()).toBeUndefined();
  const purged = await h.services.db('audit_log').where({ target_id: acc.id, action: 'account.purged' }).first();
  expect(purged).toMatchObject({ actor_type: 'system', actor_id: 'account.purge' });
});
