import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { withTimeout } from './timeout';

/**
 * Prometheus metrics (prom-client). One scrape target for the whole platform: the API's `/metrics`.
 *
 * - What lives in shared state is read at scrape time, whichever process produced it: queue depths
 *   (Redis), messages by verdict, migration totals, pool use (the database). Every API process answers
 *   the same figures, so a load balancer in front of several is fine.
 * - Job outcomes and durations happen in worker processes. Each finished job adds to a few Redis hash
 *   fields (recordJob), and the scrape reads them back as cluster-wide counters and a histogram, so a
 *   worker needs no port of its own and a restarted one loses nothing.
 * - Process metrics (memory, CPU, event loop lag) are the answering API process's own.
 *
 * Label sets stay bounded: queue and job names come from the code, verdicts and states from fixed
 * sets, tenants are the platform's tenants (by slug). No address, message id or error text is a label.
 */
export const METRICS_PREFIX = 'postwerk_';

/** Job duration buckets, seconds: a quota collection takes milliseconds, a migration pass hours. */
export const JOB_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];

export type JobOutcomeLabel = 'done' | 'skipped' | 'failed';

const JOBS_KEY = 'postwerk:metrics:jobs';
/** How long a scrape waits for the job figures before it answers without them. */
const JOB_FIGURES_TIMEOUT_MS = 2_000;

/**
 * Adds one finished job (or one failed attempt) to the cluster-wide job figures, in one round trip. A
 * metrics write that fails is not the job's failure: the caller logs it and goes on.
 */
export async function recordJob(redis: Redis, queue: string, job: string, outcome: JobOutcomeLabel, seconds: number): Promise<void> {
  const base = `${queue}\u0000${job}`;
  const m = redis.multi().hincrby(JOBS_KEY, `${base}\u0000count\u0000${outcome}`, 1);
  m.hincrbyfloat(JOBS_KEY, `${base}\u0000sum`, seconds).hincrby(JOBS_KEY, `${base}\u0000n`, 1);
  for (const le of JOB_DURATION_BUCKETS) if (seconds <= le) m.hincrby(JOBS_KEY, `${base}\u0000le\u0000${le}`, 1);
  await m.exec();
}

/** A family as prom-client's registry formats it (what a custom metric's get() returns). */
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
}

/** The job figures recordJob kept, as Prometheus families (a counter and a histogram). */
async function jobFamilies(redis: Redis): Promise<Family[]> {
  const raw = await redis.hgetall(JOBS_KEY);
  const counts: Family['values'] = [];
  const hist = new Map<string, { queue: string; job: string; sum: number; n: number; le: Map<number, number> }>();
  for (const [field, value] of Object.entries(raw)) {
    const [queue = '', job = '', kind, arg] = field.split('\u0000');
    const v = Number(value);
    if (kind === 'count') {
      counts.push({ labels: { queue, job, outcome: arg ?? '' }, value: v });
      continue;
    }
    const key = `${queue}\u0000${job}`;
    let h = hist.get(key);
    if (!h) hist.set(key, (h = { queue, job, sum: 0, n: 0, le: new Map() }));
    if (kind === 'sum') h.sum = v;
    else if (kind === 'n') h.n = v;
    else if (kind === 'le') h.le.set(Number(arg), v);
  }
  const buckets: Family['values'] = [];
  const name = `${METRICS_PREFIX}job_duration_seconds`;
  for (const h of hist.values()) {
    const labels = { queue: h.queue, job: h.job };
    for (const le of JOB_DURATION_BUCKETS)
      buckets.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: h.le.get(le) ?? 0 });
    buckets.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.n });
    buckets.push({ metricName: `${name}_sum`, labels, value: h.sum });
    buckets.push({ metricName: `${name}_count`, labels, value: h.n });
  }
  return [
    {
      name: `${METRICS_PREFIX}jobs_total`,
      help: 'Jobs finished, by queue, job and outcome (failed counts every failed attempt)',
      type: 'counter',
      values: counts,
    },
    {
      name,
      help: 'Time a job attempt took, by queue and job',
      type: 'histogram',
      values: buckets,
    },
  ];
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** A family whose values are read at scrape time (from the database or Redis). */
export interface ScrapedFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames: string[];
  read: () => Promise<Sample[]>;
}

/**
 * A registry with the process metrics, the job figures and the given families. Each scrape reads every
 * family once; a family that cannot be read (the database down) is left out of that scrape and
 * reported to `onError`, instead of failing the whole answer.
 */
export function createMetricsRegistry(
  deps: { redis: Redis; onError?: (family: string, err: Error) => void },
  families: ScrapedFamily[],
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  for (const f of families) {
    const Metric = f.type === 'counter' ? Counter : Gauge;
    new Metric({
      name: `${METRICS_PREFIX}${f.name}`,
      help: f.help,
      labelNames: f.labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const samples = await f.read();
          for (const s of samples) {
            if (this instanceof Counter) this.inc(s.labels, s.value);
            else (this as Gauge).set(s.labels, s.value);
          }
        } catch (e) {
          deps.onError?.(f.name, e as Error);
        }
      },
    });
  }
  // the job figures: two custom metrics over one read of the Redis hash per scrape. A scrape
  // (registry.metrics()) asks every metric's get() in the same tick, so the second family finds the
  // first one's read still pending and shares it; the read is forgotten once it settles, so the next
  // scrape reads afresh. A scrape that starts while another's read is pending shares it too.
  let pending: Promise<Family[]> | null = null;
  const readJobFamilies = (): Promise<Family[]> => {
    if (!pending) {
      const read = withTimeout(jobFamilies(deps.redis), JOB_FIGURES_TIMEOUT_MS, 'job figures (Redis)');
      pending = read;
      const forget = () => {
        if (pending === read) pending = null;
      };
      read.then(forget, forget);
    }
    return pending;
  };
  for (const family of ['jobs_total', 'job_duration_seconds']) {
    registry.registerMetric({
      name: `${METRICS_PREFIX}${family}`,
      async get() {
        const name = `${METRICS_PREFIX}${family}`;
        try {
          const all = await readJobFamilies();
          return all.find((x) => x.name === name)!;
        } catch (e) {
          // Redis down: the family answers empty in this scrape, the others are still there
          deps.onError?.(family, e as Error);
          return { name, help: 'not read in this scrape', type: family === 'jobs_total' ? 'counter' : 'histogram', values: [] };
        }
      },
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  return registry;
}
