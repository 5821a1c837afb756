import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { Db } from '../../platform/db';
import { connectPlatformImap } from '../../platform/mail/imap';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { startWorker } from '../../platform/queue';
import { collectUsage } from '../../quotas/use-cases/collect-usage';
import { quotaJobHandlers } from '../../quotas/processors/index';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';
import { api, createToken, eventually, KiB, messageOf, startApi } from './support';

/**
 * Crossing 80 %, 95 % and 100 % of an allocation raises one event per crossing (audit entry,
 * notification row, webhook), and again only after usage fell back below the threshold.
 */
describe(`quota warnings (${testConfig().db.client})`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startApi>>;
  let worker: Worker;
  let hook: http.Server;
  const received: Array<{ status: number; body: { id: number; threshold: number; address: string; event: string } }> = [];
  let failFirst = true;

  beforeAll(async () => {
    db = testDb();
    server = await startApi();
    worker = startWorker({
      redisUrl: testConfig().redisUrl,
      queue: 'quotas',
      handlers: quotaJobHandlers(server.services),
      logger: server.services.logger,
    });
    // A tenant's webhook receiver on 127.0.0.1: its very first answer is a 500, so a retry is needed.
    hook = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const status = failFirst ? 500 : 204;
        failFirst = false;
        received.push({ status, body: JSON.parse(data) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await worker.close();
    // startWorker hands BullMQ a connection of its own, which worker.close() leaves open
    (worker.opts.connection as unknown as { disconnect(): void }).disconnect();
    await new Promise((r) => hook.close(r));
    await server.close();
    await db.destroy();
  });

  const deliver = async (to: string, bytes: number) => {
    const r = await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [to] }, messageOf(bytes));
    expect(r.accepted).toEqual([to]);
  };

  it('raises each threshold once per crossing, with audit entries, notifications and a retried webhook', async () => {
    const tenant = await createTestTenant(db, { poolBytes: 10 * 1024 * KiB });
    const acct = await createTestAccount(db, { tenant, quotaBytes: 100 * KiB });
    const admin = await createToken(db, 'tenant_admin', tenant.tenantId);
    const operator = await createToken(db, 'operator', null);
    const base = `/tenants/${tenant.tenantId}/quota`;

    expect((await api(server.url, admin, 'PUT', `${base}/webhook`, { url: 'ftp://127.0.0.1/x' })).status).toBe(400);
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/quota-events`;
    expect((await api(server.url, admin, 'PUT', `${base}/webhook`, { url: hookUrl })).body).toEqual({
      tenantId: tenant.tenantId,
      url: hookUrl,
    });

    const collect = () => collectUsage(server.services, { tenantId: tenant.tenantId });
    const thresholds = async () =>
      (await api(server.url, admin, 'GET', `${base}/notifications`)).body.items.map((n: { threshold: number }) => n.threshold).reverse();

    await deliver(acct.address, 85 * KiB); // 85 %
    await collect();
    expect(await thresholds()).toEqual([80]);
    await collect(); // still 85 %: nothing new
    expect(await thresholds()).toEqual([80]);

    await deliver(acct.address, 11 * KiB); // 96 %
    await collect();
    expect(await thresholds()).toEqual([80, 95]);

    // An operator forces the allocation below usage: 100 % is crossed by the allocation change itself.
    const forced = await api(server.url, operator, 'POST', `${base}/reassignments`, {
      changes: [{ accountId: acct.accountId, allocationBytes: 90 * KiB }],
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(forced.body.forcedBelowUsage).toEqual([acct.address]);
    expect(await thresholds()).toEqual([80, 95, 100]);

    // Usage falls back to 0: the level resets silently; the next rise over 80 % raises again.
    const imap = await connectPlatformImap(testConfig().dovecot, { user: acct.address, password: acct.password });
    try {
      await imap.mailboxOpen('INBOX');
      await imap.messageDelete('1:*');
    } finally {
      await imap.logout();
    }
    await collect();
    expect(await thresholds()).toEqual([80, 95, 100]);
    await deliver(acct.address, 80 * KiB); // 80 KiB of 90 KiB: 89 %
    await collect();
    expect(await thresholds()).toEqual([80, 95, 100, 80]);

    const audit = await db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.warning' }).orderBy('id');
    expect(audit.map((a) => JSON.parse(a.after).threshold)).toEqual([80, 95, 100, 80]);

    // Every notification reached the webhook exactly once with a 2xx, the first after a retry.
    const notifications = (await api(server.url, admin, 'GET', `${base}/notifications`)).body.items as Array<{
      id: number;
      webhookStatus: string;
    }>;
    await eventually(async () => received.filter((r) => r.status === 204).length === 4, 30_000);
    expect(received[0]!.status).toBe(500);
    expect(
      received
        .filter((r) => r.status === 204)
        .map((r) => r.body.id)
        .sort(),
    ).toEqual(notifications.map((n) => n.id).sort());
    expect(received.every((r) => r.body.event === 'quota.warning' && r.body.address === acct.address)).toBe(true);
    await eventually(async () => {
      const items = (await api(server.url, admin, 'GET', `${base}/notifications`)).body.items as Array<{ webhookStatus: string }>;
      return items.every((n) => n.webhookStatus === 'sent');
    });
  });
});
