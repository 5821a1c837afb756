import type { Worker } from 'bullmq';
import type { Db } from '../../platform/db';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { startWorker } from '../../platform/queue';
import { collectUsageJob, reconcileJob } from '../../quotas/jobs';
import { quotaJobHandlers } from '../../quotas/processors/index';
import { createTestAccount } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { eventually, KiB, messageOf, startApi } from './support';

/** Collection and reconciliation run as BullMQ jobs on queue `quotas`, as the worker process runs them. */
describe(`quota jobs through the queue (${testConfig().db.client})`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startApi>>;
  let worker: Worker;
  beforeAll(async () => {
    db = testDb();
    server = await startApi();
    worker = startWorker({
      redisUrl: testConfig().redisUrl,
      queue: 'quotas',
      handlers: quotaJobHandlers(server.services),
      logger: server.services.logger,
    });
  });
  afterAll(async () => {
    await worker.close();
    (worker.opts.connection as unknown as { disconnect(): void }).disconnect();
    await server.close();
    await db.destroy();
  });

  it('collects usage and reconciles a tenant from queued jobs', async () => {
    const acct = await createTestAccount(db, { quotaBytes: 1024 * KiB });
    const r = await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [acct.address] }, messageOf(12 * KiB));
    expect(r.accepted).toEqual([acct.address]);

    await server.services.queue.enqueue(collectUsageJob, { tenantId: acct.tenantId });
    const usage = await eventually(() => db('quota_usage').where({ account_id: acct.accountId }).first(), 20_000);
    expect(Number(usage.used_messages)).toBe(1);
    expect(Number(usage.used_bytes)).toBeGreaterThanOrEqual(12 * KiB);

    await db('quota_usage').where({ account_id: acct.accountId }).update({ used_bytes: 0, used_messages: 0 });
    await server.services.queue.enqueue(reconcileJob, { tenantId: acct.tenantId });
    const audit = await eventually(() => db('audit_log').where({ tenant_id: acct.tenantId, action: 'quota.reconciled' }).first(), 20_000);
    expect(JSON.parse(audit.after).accounts[0]).toMatchObject({
      accountId: acct.accountId,
      usedBytes: Number(usage.used_bytes),
      usedMessages: 1,
    });
    // one history sample from the collection, one from the repair
    const samples = await db('quota_usage_samples').where({ account_id: acct.accountId }).count({ n: '*' }).first();
    expect(Number(samples?.n)).toBe(2);
    expect(Number((await db('quota_usage').where({ account_id: acct.accountId }).first()).used_bytes)).toBe(Number(usage.used_bytes));
  });
});
