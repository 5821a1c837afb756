import { hostname } from 'node:os';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { AppError } from './errors';
import IORedis, { type Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from './logger';
import { recordJob, type JobOutcomeLabel } from './metrics';

/**
 * Background work runs as BullMQ jobs over Redis, so workers scale out over machines.
 * Each job type is declared once with defineJob: its queue, a zod schema for the payload (validated on
 * enqueue and again in the worker), and a deterministic job id so that a retried enqueue is harmless.
 * Attempts and backoff are set here once for every job.
 */
export type QueueName = 'control-plane' | 'quotas' | 'migrations' | 'filters' | 'backup' | 'probes';

/** Exponential backoff from 2 s: a dying worker or a restarting Dovecot is back long before the last try. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export interface JobDefinition<P> {
  queue: QueueName;
  /** Dotted name: `account.purge`, `quota.usage-collect`. */
  name: string;
  payload: z.ZodType<P>;
  /** Same payload, same id: BullMQ ignores a second add of a job id it still holds. */
  jobId?: (payload: P) => string;
  options?: JobsOptions;
}

export function defineJob<P>(def: JobDefinition<P>): JobDefinition<P> {
  return def;
}

export type JobOutcome = { status: 'done' | 'skipped'; detail?: unknown };

export interface JobHandler<P> {
  job: JobDefinition<P>;
  handle(payload: P, job: Job): Promise<JobOutcome>;
}

/** Whether this run is the job's last attempt (a processor then records a final failure, not a retry). */
export const isLastAttempt = (job: Pick<Job, 'attemptsMade' | 'opts'>): boolean => (job.attemptsMade ?? 0) + 1 >= (job.opts?.attempts ?? 1);

export function handler<P>(job: JobDefinition<P>, handle: (payload: P, job: Job) => Promise<JobOutcome>): JobHandler<P> {
  return { job, handle };
}

export function createRedis(url: string, opts: { forWorker?: boolean } = {}): Redis {
  // Workers block on Redis and must never give up a command (BullMQ requires maxRetriesPerRequest null);
  // producers in request paths give up after a few reconnection attempts instead of hanging a request.
  const retry = { maxRetriesPerRequest: opts.forWorker ? null : 2 };
  const sentinel = sentinelOptions(url);
  return sentinel ? new IORedis({ ...sentinel, ...retry }) : new IORedis(url, retry);
}

/**
 * A Redis behind Sentinel, as one URL (POSTWERK_REDIS_URL):
 * `redis+sentinel://[:password@]host1:26379,host2:26379,host3:26379/<master name>[/<db>]`
 * (`rediss+sentinel://` for TLS to the master). ioredis asks the sentinels for the master and follows a
 * failover; the password is the master's (sentinels without one). Null for a plain redis:// URL.
 */
export function sentinelOptions(url: string): import('ioredis').RedisOptions | null {
  const m = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/]+)\/([^/?#]+)(?:\/(\d+))?\/?$/.exec(url);
  if (!m) return null;
  const [, scheme, auth, hosts, name, db] = m as unknown as [string, string, string | undefined, string, string, string | undefined];
  const [user, password] = auth ? (auth.includes(':') ? auth.split(/:(.*)/s, 2) : ['', auth]) : ['', ''];
  return {
    sentinels: hosts.split(',').map((h) => {
      const i = h.lastIndexOf(':');
      return i > 0 ? { host: h.slice(0, i), port: Number(h.slice(i + 1)) } : { host: h, port: 26379 };
    }),
    name: decodeURIComponent(name),
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(scheme === 'rediss' ? { tls: {} } : {}),
  };
}

/** Job ids may not contain ':' in BullMQ. */
const safeId = (id: string) => id.replace(/:/g, '_');

export const QUEUE_NAMES = ['control-plane', 'quotas', 'migrations', 'filters', 'backup', 'probes'] as const satisfies readonly QueueName[];

export interface QueueHealth {
  queue: QueueName;
  counts: { waiting: number; active: number; delayed: number; failed: number; completed: number };
  failed: Array<{ id: string; name: string; failedReason: string; attemptsMade: number; finishedAt: string | null }>;
  /** the figures could not be read (Redis down): the counts are then zeros, not the queue's */
  error?: string;
}

export class JobQueue {
  private readonly queues = new Map<QueueName, Queue>();
  constructor(
    private readonly connection: Redis,
    private readonly prefix = 'postwerk',
  ) {}

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, opts: JobsOptions = {}): Promise<string | undefined> {
    const data = def.payload.parse(payload);
    const jobId = opts.jobId ?? (def.jobId ? safeId(def.jobId(data)) : undefined);
    const job = await this.queue(def.queue).add(def.name, data, { ...def.options, ...opts, ...(jobId ? { jobId } : {}) });
    return job.id;
  }

  /** A recurring job (usage collection, purge sweeps, delta passes): upserted, so every process may call it. */
  async schedule<P>(def: JobDefinition<P>, schedulerId: string, every: { everyMs: number } | { cron: string }, payload: P) {
    const data = def.payload.parse(payload);
    await this.queue(def.queue).upsertJobScheduler(
      safeId(schedulerId),
      'everyMs' in every ? { every: every.everyMs } : { pattern: every.cron },
      { name: def.name, data, opts: def.options },
    );
  }

  async removeSchedule(queue: QueueName, schedulerId: string): Promise<void> {
    await this.queue(queue).removeJobScheduler(safeId(schedulerId));
  }

  /** Removes a delayed or waiting job (a rescheduled cut-over); false when it already ran or is running. */
  async cancel(queue: QueueName, jobId: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(safeId(jobId));
    if (!job) return false;
    const state = await job.getState();
    if (state === 'active' || state === 'completed') return false;
    await job.remove();
    return true;
  }

  /**
   * Removes a finished (completed or failed) job, so that a deterministic id can run again (a held
   * outbound message released); false when there is none or it is waiting, delayed or running.
   */
  async forgetFinished(queue: QueueName, jobId: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(safeId(jobId));
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    await job.remove();
    return true;
  }

  /** Jobs ready to run that no worker has taken yet (waiting and prioritized). */
  async waitingCount(name: QueueName): Promise<number> {
    const counts = await this.queue(name).getJobCounts('waiting', 'prioritized');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  }

  /** Job counts per state and the most recent failed jobs of one queue (the operator's health page). */
  async health(name: QueueName, failedLimit: number): Promise<QueueHealth> {
    const q = this.queue(name);
    const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    const failed = await q.getFailed(0, Math.max(0, failedLimit - 1));
    return {
      queue: name,
      counts: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
      },
      failed: failed
        .filter((j): j is Job => Boolean(j))
        .map((j) => ({
          id: String(j.id),
          name: j.name,
          failedReason: j.failedReason ?? '',
          attemptsMade: j.attemptsMade,
          finishedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        })),
    };
  }

  /**
   * Makes sure a job with the definition's id is queued: added when missing (Redis wiped), retried when it
   * failed for good; left alone while waiting, delayed, active or completed. For sweeps that rebuild the
   * queue from a durable store (the inbound spool). Returns what it did.
   */
  async ensure<P>(def: JobDefinition<P>, payload: P): Promise<'added' | 'retried' | 'present'> {
    const data = def.payload.parse(payload);
    if (!def.jobId) throw new Error(`ensure() needs a deterministic job id (${def.name})`);
    const jobId = safeId(def.jobId(data));
    const existing = await this.queue(def.queue).getJob(jobId);
    if (!existing) {
      await this.enqueue(def, data);
      return 'added';
    }
    if ((await existing.getState()) === 'failed') {
      await existing.retry('failed', { resetAttemptsMade: true });
      return 'retried';
    }
    return 'present';
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/**
 * Runs the handlers of one queue. A handler's payload is validated again here (a job written by an older
 * version must fail loudly, not half-run). Throwing makes BullMQ retry with the backoff above.
 */
export function startWorker(opts: {
  redisUrl: string;
  queue: QueueName;
  handlers: JobHandler<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  logger: Logger;
  concurrency?: number;
  prefix?: string;
  /** recorded on every job it takes (BullMQ `processedBy`); default `<host>:<pid>`, so a job says which process ran it */
  name?: string;
}): Worker {
  const byName = new Map(opts.handlers.map((h) => [h.job.name, h]));
  const connection = createRedis(opts.redisUrl, { forWorker: true });
  // the job figures of /metrics (platform/metrics.ts): not on the worker's connection, which blocks
  const metrics = createRedis(opts.redisUrl);
  metrics.on('error', () => undefined);
  const record = (job: string, outcome: JobOutcomeLabel, started: number) =>
    recordJob(metrics, opts.queue, job, outcome, (Date.now() - started) / 1000).catch((err: Error) =>
      opts.logger.warn({ err: err.message, job }, 'job metrics not recorded'),
    );
  const worker = new Worker(
    opts.queue,
    async (job) => {
      const h = byName.get(job.name);
      if (!h) throw new AppError('internal', `no handler for job ${job.name} on queue ${opts.queue}`);
      const payload = h.job.payload.parse(job.data);
      const log = opts.logger.child({ jobId: job.id, job: job.name });
      const started = Date.now();
      let outcome: JobOutcome;
      try {
        outcome = await h.handle(payload, job);
      } catch (e) {
        void record(job.name, 'failed', started);
        throw e;
      }
      log.info({ outcome: outcome.status, ms: Date.now() - started }, 'job finished');
      void record(job.name, outcome.status, started);
      return outcome;
    },
    {
      connection,
      prefix: opts.prefix ?? 'postwerk',
      concurrency: opts.concurrency ?? 4,
      name: opts.name ?? `${hostname()}:${process.pid}`,
    },
  );
  worker.on('failed', (job, err) => {
    opts.logger.warn({ jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, err: err.message }, 'job failed');
  });
  worker.on('error', (err) => opts.logger.error({ err: err.message, queue: opts.queue }, 'worker error'));
  // BullMQ leaves a connection it was given open: close ours with the worker.
  worker.on('closed', () => {
    connection.disconnect();
    metrics.disconnect();
  });
  return worker;
}
