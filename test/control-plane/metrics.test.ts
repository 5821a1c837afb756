import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { startWorker } from '../../platform/queue';
import { countVerdict } from '../../filters/repositories/messages';
import { collectUsageJob } from '../../quotas/jobs';
import { quotaJobHandlers } from '../../quotas/processors/index';
import { createTestAccount } from '../support/fixtures';
import { testConfig } from '../support/env';
import { eventually, KiB, messageOf } from '../quotas/support';
import { makeTenant, startHarness, tokenFor, type Harness } from './harness';

// the parser ships no types: an array of families, each { name, help, type, metrics: [{ labels?, value? | buckets?, count?, sum? }] }
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Family[];
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

/** `/metrics` scraped over HTTP as Prometheus does, parsed by a Prometheus text-format parser. */
describe(`GET /metrics (${testConfig().db.client})`, () => {
  let h: Harness;
  let server: Server;
  let base: string;
  let worker: Worker;
  let operatorToken: string;

  beforeAll(async () => {
    h = startHarness();
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    worker = startWorker({
      redisUrl: testConfig().redisUrl,
      queue: 'quotas',
      handlers: quotaJobHandlers(h.services),
      logger: h.services.logger,
    });
    operatorToken = await tokenFor(h.operator, 'operator');
  });
  afterAll(async () => {
    await worker.close();
    (worker.opts.connection as unknown as { disconnect(): void }).disconnect();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  const scrape = async (token = operatorToken) => {
    const res = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const families = async () => {
    const r = await scrape();
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Map(parsePrometheus(r.text).map((f) => [f.name, f]));
  };
  const value = (f: Family | undefined, labels: Record<string, string>) =>
    Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);
  const jobsDone = (fams: Map<string, Family>) =>
    value(fams.get('postwerk_jobs_total'), { queue: 'quotas', job: collectUsageJob.name, outcome: 'done' });

  it('answers only operators and support with a token', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const { tenant } = await makeTenant(h.operator);
    expect((await scrape(await tokenFor(h.operator, 'tenant_admin', tenant.id))).status).toBe(403);
    expect((await scrape(await tokenFor(h.operator, 'support'))).status).toBe(200);
  });

  it('shows each family, with figures that follow what happened', async () => {
    const acct = await createTestAccount(h.services.db, { quotaBytes: 1024 * KiB });
    await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [acct.address] }, messageOf(12 * KiB));
    const before = await families();
    const slug = (await h.services.db('tenants').where({ id: acct.tenantId }).first('slug')).slug as string;

    await countVerdict(h.services.db, acct.tenantId, 'deliver');
    await h.services.queue.enqueue(collectUsageJob, { tenantId: acct.tenantId });
    // the job's figures are written when it finishes; the usage row when its work is done
    const after = await eventually(async () => {
      const f = await families();
      if (jobsDone(f) <= jobsDone(before)) throw new Error('job not counted yet');
      if (value(f.get('postwerk_tenant_pool_bytes'), { tenant: slug, figure: 'used' }) <= 0) throw new Error('usage not collected yet');
      return f;
    }, 20_000);

    for (const name of [
      'postwerk_jobs_total',
      'postwerk_job_duration_seconds',
      'postwerk_queue_jobs',
      'postwerk_inbound_messages_total',
      'postwerk_migration_messages_copied_total',
      'postwerk_migration_bytes_copied_total',
      'postwerk_tenant_pool_bytes',
      'postwerk_http_request_duration_seconds',
      'postwerk_process_cpu_user_seconds_total',
      'postwerk_process_resident_memory_bytes',
      'postwerk_nodejs_eventloop_lag_seconds',
    ])
      expect([name, after.has(name)]).toEqual([name, true]);

    expect(jobsDone(after)).toBe(jobsDone(before) + 1);
    expect(after.get('postwerk_job_duration_seconds')!.type).toBe('HISTOGRAM');
    // the parser folds a histogram's labelled series into one: its lines are read from the text instead
    const text = (await scrape()).text;
    const series = `queue="quotas",job="${collectUsageJob.name}"`;
    const count = Number(new RegExp(`^postwerk_job_duration_seconds_count\\{${series}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const inf = Number(new RegExp(`^postwerk_job_duration_seconds_bucket\\{${series},le="\\+Inf"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(inf).toBe(count);

    const verdicts = (f: Map<string, Family>) => value(f.get('postwerk_inbound_messages_total'), { verdict: 'deliver' });
    expect(verdicts(after)).toBe(verdicts(before) + 1);
    expect(after.get('postwerk_inbound_messages_total')!.type).toBe('COUNTER');

    const pool = (figure: string) => value(after.get('postwerk_tenant_pool_bytes'), { tenant: slug, figure });
    expect(pool('allocated')).toBe(1024 * KiB);
    expect(pool('size')).toBeGreaterThanOrEqual(pool('allocated'));
    expect(pool('used')).toBeGreaterThanOrEqual(12 * KiB);

    const states = after
      .get('postwerk_queue_jobs')!
      .metrics.filter((m) => m.labels?.queue === 'quotas')
      .map((m) => m.labels?.state);
    expect(states.sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'waiting']);
  });

  it('reads the job figures from Redis once per scrape, for both job families', async () => {
    const spy = jest.spyOn(h.services.redis, 'hgetall');
    try {
      const jobReads = () => spy.mock.calls.filter((c) => c[0] === 'postwerk:metrics:jobs').length;
      const fams = await families();
      expect(fams.has('postwerk_jobs_total')).toBe(true);
      expect(fams.has('postwerk_job_duration_seconds')).toBe(true);
      expect(jobReads()).toBe(1);
      // the next scrape reads afresh (the shared read is not kept)
      await families();
      expect(jobReads()).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('times HTTP requests by method, declared route and status, never by the URL', async () => {
    const { tenant } = await makeTenant(h.operator);
    const auth = { Authorization: `Bearer ${operatorToken}` };
    expect((await fetch(`${base}/api/v1/tenants/${tenant.id}/accounts`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/no-such-thing-${tenant.id}`, { headers: auth })).status).toBe(404);
    const text = (await scrape()).text;
    const count = (labels: string) =>
      Number(new RegExp(`^postwerk_http_request_duration_seconds_count\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('method="GET",route="/tenants/:tenantId/accounts",status="200"')).toBeGreaterThanOrEqual(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(tenant.id);
  });

  it('keeps label sets bounded: no address, message id or free text as a label', async () => {
    const fams = await families();
    const allowed = new Set([
      'method',
      'route',
      'status',
      'step',
      'quantile',
      'queue',
      'job',
      'outcome',
      'state',
      'verdict',
      'tenant',
      'figure',
      'le',
      'family',
      'version',
      'type',
      'space',
      'kind',
      'major',
      'minor',
      'patch',
    ]);
    for (const f of fams.values())
      for (const m of f.metrics)
        for (const [k, v] of Object.entries(m.labels ?? {})) {
          expect([f.name, k, allowed.has(k)]).toEqual([f.name, k, true]);
          expect([f.name, k, v]).toEqual([f.name, k, expect.not.stringMatching(/[@<>\s]/)]);
        }
  });
});
