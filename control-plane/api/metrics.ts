import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import type { Services } from '../services';
import { createMetricsRegistry, METRICS_PREFIX, type ScrapedFamily } from '../../platform/metrics';
import { AppError } from '../../platform/errors';
import { QUEUE_NAMES } from '../../platform/queue';
import { withTimeout } from '../../platform/timeout';
import { inboundTotals } from '../../filters/use-cases/inbound-totals';
import { migrationTotals } from '../../migration-projects/use-cases/migration-totals';
import { poolTotals } from '../../quotas/use-cases/pool-totals';
import { probeMetrics } from '../../operability/use-cases/probe-metrics';
import { authenticate } from '../auth/authenticate';
import { requirePermission } from '../auth/permissions';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
/** A family that needs Redis is left out of the scrape after this long (Redis down), not the whole scrape held. */
const SCRAPE_READ_TIMEOUT_MS = 2_000;

/** The families read from shared state at each scrape (platform/metrics.ts says what else is there). */
function families(services: Services): ScrapedFamily[] {
  return [
    {
      name: 'queue_jobs',
      help: 'Jobs in each queue, by state',
      type: 'gauge',
      labelNames: ['queue', 'state'],
      read: async () => {
        const health = await Promise.all(
          QUEUE_NAMES.map((q) => withTimeout(services.queue.health(q, 0), SCRAPE_READ_TIMEOUT_MS, `queue ${q}`)),
        );
        return health.flatMap((h) => QUEUE_STATES.map((state) => ({ labels: { queue: h.queue, state }, value: h.counts[state] })));
      },
    },
    {
      name: 'inbound_messages_total',
      help: 'Inbound messages (per recipient tenant) by verdict: deliver, junk, quarantine.<reason>, rejected …',
      type: 'counter',
      labelNames: ['verdict'],
      read: async () => (await inboundTotals(services)).byVerdict.map((v) => ({ labels: { verdict: v.verdict }, value: v.count })),
    },
    {
      name: 'migration_messages_copied_total',
      help: 'Messages copied by every migration pass',
      type: 'counter',
      labelNames: [],
      read: async () => [{ labels: {}, value: (await migrationTotals(services)).messagesCopied }],
    },
    {
      name: 'migration_bytes_copied_total',
      help: 'Bytes copied by every migration pass',
      type: 'counter',
      labelNames: [],
      read: async () => [{ labels: {}, value: (await migrationTotals(services)).bytesCopied }],
    },
    {
      name: 'tenant_pool_bytes',
      help: "A tenant's storage pool, by tenant and figure: size, allocated (to its accounts), used (last collection)",
      type: 'gauge',
      labelNames: ['tenant', 'figure'],
      read: async () =>
        (await poolTotals(services)).flatMap((p) => [
          { labels: { tenant: p.tenantSlug, figure: 'size' }, value: p.poolBytes },
          { labels: { tenant: p.tenantSlug, figure: 'allocated' }, value: p.allocatedBytes },
          { labels: { tenant: p.tenantSlug, figure: 'used' }, value: p.usedBytes },
        ]),
    },
    {
      name: 'probe_latency_seconds',
      help: 'Synthetic probe latency over the last hour, by tenant, step (login, select, fetch, delivery) and quantile (0.5, 0.95, 0.99)',
      type: 'gauge',
      labelNames: ['tenant', 'step', 'quantile'],
      read: async () =>
        (await probeMetrics(services)).latency.map((l) => ({
          labels: { tenant: l.tenant, step: l.step, quantile: l.quantile },
          value: l.seconds,
        })),
    },
    {
      name: 'probe_availability_ratio',
      help: 'Share of the last hour that the synthetic probes found the tenant available (0 to 1)',
      type: 'gauge',
      labelNames: ['tenant'],
      read: async () => (await probeMetrics(services)).availability.map((a) => ({ labels: { tenant: a.tenant }, value: a.ratio })),
    },
    {
      name: 'probe_incidents_open',
      help: 'Open probe incidents, by tenant',
      type: 'gauge',
      labelNames: ['tenant'],
      read: async () => (await probeMetrics(services)).openIncidents.map((o) => ({ labels: { tenant: o.tenant }, value: o.count })),
    },
  ];
}

/** HTTP request buckets, seconds: a list answers in milliseconds, an export streams for minutes. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];

/**
 * The API's metrics: GET /metrics (the Prometheus text format; operators and support only, with an API
 * token with `system.read` sent as `Authorization: Bearer pwk_…`, which Prometheus' `authorization`
 * setting does: the figures name tenants), and the timing of every request this process answers.
 *
 * Requests are this process's own (each API process is its own target for them), labelled by method,
 * the route as declared (`/tenants/:tenantId/accounts`, never the URL with its ids) and status; what
 * matched no route is `unmatched`, so no URL a caller makes up becomes a label.
 */
export function apiMetrics(services: Services) {
  const registry = createMetricsRegistry(
    { redis: services.redis, onError: (family, err) => services.logger.warn({ family, err: err.message }, 'metrics family not read') },
    families(services),
  );
  const requests = new Histogram({
    name: `${METRICS_PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests answered by this API process, by method, declared route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    timeRequests(req: Request, res: Response, next: NextFunction): void {
      const end = requests.startTimer();
      res.once('finish', () => {
        const route = (req.route as { path?: unknown } | undefined)?.path;
        end({ method: req.method, route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) });
      });
      next();
    },
    async handler(req: Request, res: Response): Promise<void> {
      const actor = await authenticate(services, req);
      if (!actor) throw new AppError('unauthenticated', 'send an API token (Authorization: Bearer pwk_…) of an operator or support user');
      requirePermission(actor, 'system.read');
      res.type(registry.contentType).send(await registry.metrics());
    },
  };
}
