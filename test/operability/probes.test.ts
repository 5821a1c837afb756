import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { createServices } from '../../control-plane/services';
import { createApiApp } from '../../control-plane/api/app';
import { systemActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { saveWebhookUrl } from '../../quotas/repositories/usage';
import { probeJobHandlers } from '../../operability/processors';
import { setProbeSettings } from '../../operability/use-cases/set-probe-settings';
import { slaReport } from '../../operability/use-cases/sla-report';
import { rollUpProbes } from '../../operability/use-cases/roll-up-probes';
import { annotateIncident } from '../../operability/use-cases/annotate-incident';
import { slaReportCsv } from '../../operability/shared/sla-csv';
import { findProbeMailbox } from '../../tenancy/repositories/probe-mailboxes';
import { createTestTenant } from '../support/fixtures';
import { testConfig, uniq } from '../support/env';
import { startPipeline, tcpProxy, type Pipeline } from '../filters/support';
import { tokenFor } from '../control-plane/harness';

// the parser ships no types: an array of families, each { name, help, type, metrics: [{ labels?, value? }] }
const parsePrometheus = require('parse-prometheus-text-format') as (
  text: string,
) => Array<{ name: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> }>;

/**
 * The synthetic probes against the real stack: a probe worker (its own queue prefix) probes one tenant
 * every 2 s through a TCP proxy in front of the stack's Dovecot IMAP (the shared Dovecot itself stays
 * up for the other test files), with the delivery step through a real SMTP ingress and filters worker.
 * Taking the proxy down is "Dovecot stopped" for the probe: an incident naming the login step opens,
 * the day's availability drops by the failed runs' share, and the incident closes when it is back.
 */
const EVERY_SECONDS = 2;
const FAILURES_TO_OPEN = 3;
/** the outage (issue 15 says three minutes; shortened, as it allows) */
const DOWN_MS = 16_000;

let pipeline: Pipeline;
let imap: Awaited<ReturnType<typeof tcpProxy>>;
let services: ReturnType<typeof createServices>;
let redis: ReturnType<typeof createRedis>;
let worker: Worker;
let hook: http.Server;
const hooks: Array<{ event: string; body: { event: string; incident: { id: string; step: string; tenantId: string } } }> = [];

beforeAll(async () => {
  const c = testConfig();
  imap = await tcpProxy(c.dovecot.imapPort, c.dovecot.imapHost);
  pipeline = await startPipeline();
  const config = {
    ...pipeline.config,
    dovecot: { ...pipeline.config.dovecot, imapPort: imap.port },
    smtp: { ...pipeline.config.smtp, host: '127.0.0.1', port: pipeline.ingress.port },
  };
  const base = createServices(config);
  redis = createRedis(config.redisUrl);
  redis.on('error', () => undefined);
  const prefix = uniq('pwp');
  services = { ...base, queue: new JobQueue(redis, prefix), close: base.close };
  worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'probes',
    handlers: probeJobHandlers(services),
    logger: services.logger,
    prefix,
  });
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooks.push({ event: String(req.headers['x-postwerk-event']), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await worker?.close();
  await services?.queue.close();
  redis?.disconnect();
  await services?.close();
  await pipeline?.close();
  await imap?.close();
  await new Promise((r) => hook?.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test('probes run, an IMAP outage opens an incident naming the login step, availability drops by its share, recovery closes it', async () => {
  const db = services.db;
  const tenant = await createTestTenant(db);
  const ctx = withActor(services, systemActor('test'));
  await saveWebhookUrl(db, tenant.tenantId, `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, new Date().toISOString());
  // applies the schedule (every 2 s) on this file's queue prefix
  await setProbeSettings(ctx, { tenantId: tenant.tenantId, everySeconds: EVERY_SECONDS, failuresToOpen: FAILURES_TO_OPEN });
  const runs = () => db('probe_runs').where({ tenant_id: tenant.tenantId }).orderBy('at');

  // 1. probes run: every step timed, the delivery through the ingress seen over IMAP
  await until('four good probe runs', async () => (await runs()).filter((r) => r.ok).length >= 4);
  const good = (await runs()).filter((r) => r.ok);
  for (const r of good) for (const s of ['login_ms', 'select_ms', 'fetch_ms', 'delivery_ms']) expect(r[s]).not.toBeNull();

  // the probe mailbox is the platform's: no account, nothing from the pool
  const mailbox = (await findProbeMailbox(db, tenant.tenantId))!;
  expect(mailbox.address).toMatch(/^probe-[0-9a-f]{24}@probe\.postwerk\.invalid$/);
  expect(await db('accounts').where({ tenant_id: tenant.tenantId }).count({ n: '*' }).first()).toMatchObject({ n: 0 });

  // 2. "Dovecot stopped" for the probes
  imap.down();
  const downAt = Date.now();
  const incident = await until(
    'an open incident',
    () => db('probe_incidents').where({ tenant_id: tenant.tenantId }).whereNull('closed_at').first(),
    30_000,
  );
  expect(incident).toMatchObject({ kind: 'failure', step: 'login' });
  expect(incident.error).toBeTruthy();
  await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
  imap.up();
  const upAt = Date.now();

  // 3. recovery closes it
  const closed = await until(
    'the incident closed',
    () => db('probe_incidents').where({ id: incident.id }).whereNotNull('closed_at').first(),
    30_000,
  );
  expect(Date.parse(closed.closed_at)).toBeGreaterThanOrEqual(upAt - 1000);
  await until('two more good runs', async () => (await runs()).filter((r) => r.ok && Date.parse(r.at) > upAt).length >= 2);
  await services.queue.removeSchedule('probes', `probe.run-${tenant.tenantId}`);
  await sleep(500);

  const all = await runs();
  const failed = all.filter((r) => !r.ok);
  expect(failed.every((r) => r.failed_step === 'login')).toBe(true);
  // a run every 2 s while down: the outage's length in runs, give or take the edges
  expect(failed.length).toBeGreaterThanOrEqual(Math.floor((upAt - downAt) / 1000 / EVERY_SECONDS) - 2);
  expect(failed.length).toBeLessThanOrEqual(Math.ceil((upAt - downAt) / 1000 / EVERY_SECONDS) + 2);

  // the day's report: availability is the good runs' share, minutes in breach the failed runs' minutes
  const day = new Date(all[0].at).toISOString().slice(0, 10);
  const report = await slaReport(ctx, { tenantId: tenant.tenantId, day });
  const expected = (100 * (all.length - failed.length)) / all.length;
  expect(report.runs).toBe(all.length);
  expect(report.failedRuns).toBe(failed.length);
  expect(report.availabilityPercent).toBeCloseTo(expected, 3);
  expect(report.availabilityPercent!).toBeLessThan(100);
  expect(report.minutesInBreach).toBeGreaterThanOrEqual((failed.length * EVERY_SECONDS) / 60 - 1e-6);
  expect(report.steps.login.p95Ms).not.toBeNull();
  expect(report.steps.delivery.samples).toBe(all.filter((r) => r.ok).length);
  expect(report.incidents.map((i) => i.id)).toEqual([incident.id]);
  expect(report.incidents[0]).toMatchObject({ step: 'login', open: false });
  expect(slaReportCsv(report).split('\r\n')[1]).toMatch(new RegExp(`^${report.tenant.slug},${day},`));

  // the same figures after the hourly rollup (histograms add up; raw runs are then not read twice)
  await rollUpProbes(services, new Date(Date.now() + 2 * 3600_000));
  const rolled = await slaReport(ctx, { tenantId: tenant.tenantId, day });
  expect({ runs: rolled.runs, failed: rolled.failedRuns, a: rolled.availabilityPercent, p95: rolled.steps.login.p95Ms }).toEqual({
    runs: report.runs,
    failed: report.failedRuns,
    a: report.availabilityPercent,
    p95: report.steps.login.p95Ms,
  });

  // notified through the tenant's webhook, opened and closed; audited on the tenant's chain
  await until('both webhooks', async () => hooks.filter((h) => h.body.incident.id === incident.id).length >= 2, 20_000);
  expect(hooks.filter((h) => h.body.incident.id === incident.id).map((h) => h.event)).toEqual(['incident.opened', 'incident.closed']);
  const audit = await db('audit_log')
    .where({ tenant_id: tenant.tenantId })
    .whereIn('action', ['probe.incident.opened', 'probe.incident.closed']);
  expect(audit.map((a) => a.action).sort()).toEqual(['probe.incident.closed', 'probe.incident.opened']);

  // an operator's problem record, audited
  const annotated = await annotateIncident(ctx, {
    tenantId: tenant.tenantId,
    incidentId: incident.id,
    cause: 'IMAP proxy taken down by the test',
    fix: 'brought back',
  });
  expect(annotated).toMatchObject({ cause: 'IMAP proxy taken down by the test', fix: 'brought back' });
  await expect(
    annotateIncident(ctx, { tenantId: (await createTestTenant(db)).tenantId, incidentId: incident.id, cause: 'x' }),
  ).rejects.toMatchObject({ code: 'not_found' });

  // /metrics over HTTP, parsed: the probe families with bounded labels (tenant slug, step, quantile)
  const api = createApiApp(services);
  const server = api.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const token = await tokenFor(ctx, 'operator');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const fams = new Map(parsePrometheus(await res.text()).map((f) => [f.name, f]));
    const latency = fams.get('postwerk_probe_latency_seconds')!;
    const mine = latency.metrics.filter((m) => m.labels?.tenant === report.tenant.slug);
    expect(new Set(mine.map((m) => m.labels!.step))).toEqual(new Set(['login', 'select', 'fetch', 'delivery']));
    for (const m of latency.metrics) expect(Object.keys(m.labels ?? {}).sort()).toEqual(['quantile', 'step', 'tenant']);
    const ratio = fams.get('postwerk_probe_availability_ratio')!.metrics.find((m) => m.labels?.tenant === report.tenant.slug);
    expect(Number(ratio?.value)).toBeLessThan(1);
    expect(fams.has('postwerk_probe_incidents_open')).toBe(true);
    // the SLA route answers the same report
    const viaApi = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/tenants/${tenant.tenantId}/sla?day=${day}`,
      {
        headers: { Authorization: `Bearer ${token}` },
      },
    );
    expect(viaApi.status).toBe(200);
    expect(await viaApi.json()).toMatchObject({ runs: rolled.runs, failedRuns: rolled.failedRuns });
  } finally {
    await new Promise((r) => server.close(r));
  }
}, 240_000);
