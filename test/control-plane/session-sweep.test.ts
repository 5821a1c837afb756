import { Queue, type Worker } from 'bullmq';
import { silentLogger } from '../../platform/logger';
import { createRedis, startWorker } from '../../platform/queue';
import { sessionSweepJob } from '../../tenancy/jobs';
import { controlPlaneHandlers, ensureControlPlaneSchedules } from '../../tenancy/processors/index';
import { testConfig, uniq } from '../support/env';
import { api, signedInStaff, startHarness, type Harness } from './harness';

/** Expired staff sessions are deleted by the scheduled `session.sweep` job, through the real queue and worker. */
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

async function signedIn(): Promise<{ userId: string; cookie: string }> {
  const { id, cookie } = await signedInStaff(h, {
    role: 'operator',
    tenantId: null,
    email: `${uniq('sweep')}@staff.test`.toLowerCase(),
    actor: 'session-sweep-test',
  });
  return { userId: id, cookie };
}

it(`the session sweep is scheduled, and deletes expired sessions and only those (${config.db.client})`, async () => {
  await ensureControlPlaneSchedules(h.services);
  expect((await queue.getJobSchedulers()).map((s) => s.name)).toContain(sessionSweepJob.name);

  const expired = await signedIn();
  const live = await signedIn();
  await h.services
    .db('sessions')
    .where({ user_id: expired.userId })
    .update({ expires_at: new Date(Date.now() - 1000).toISOString() });

  worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'control-plane',
    handlers: controlPlaneHandlers(h.services),
    logger: silentLogger,
    concurrency: 1,
  });
  await h.services.queue.enqueue(sessionSweepJob, {}, { jobId: uniq('sweep') });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await h.services.db('sessions').where({ user_id: expired.userId })).length > 0)
    await new Promise((r) => setTimeout(r, 200));

  expect(await h.services.db('sessions').where({ user_id: expired.userId })).toHaveLength(0);
  expect(await h.services.db('sessions').where({ user_id: live.userId })).toHaveLength(1);
  expect((await api(h.app).get('/api/v1/auth/me').set('Cookie', live.cookie)).status).toBe(200);
});
