import http from 'node:http';
import type { Worker } from 'bullmq';
import { REPO_ROOT } from '../../platform/paths';
import { loadConfig, ConfigError, type Config } from '../../platform/config';
import { migrateLatest } from '../../platform/db';
import { startWorker, type QueueName } from '../../platform/queue';
import { createApiApp } from '../api/app';
import { createServices, type Services } from '../services';
import { ensureSchedules, jobHandlers } from '../workers';
import path from 'node:path';
import {
  openOutboundSpool,
  openSpool,
  PIPELINE_CONCURRENCY,
  startIngress,
  startOutboundSweep,
  startSpoolSweep,
  startSubmission,
  type Ingress,
  type Submission,
} from '../../filters';
import { PROBE_CONCURRENCY } from '../../operability/limits';

/**
 * Building blocks of the process entry points (api.ts, worker.ts, dev.ts): each process role is a
 * few lines that combine these.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`postwerk: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** The portal's build output (npm run portal:build; stack/install.sh runs it when the sources are newer). */
export const PORTAL_DIR = path.join(REPO_ROOT, 'portal/dist');

export async function startApi(services: Services): Promise<http.Server> {
  const app = createApiApp(services, { portalDir: PORTAL_DIR });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`API port ${services.config.api.port} on ${services.config.api.host} is already in use (set POSTWERK_API_PORT)`)
          : e,
      ),
    );
    server.listen(services.config.api.port, services.config.api.host, resolve);
  });
  return server;
}

export async function startWorkers(services: Services, queues?: QueueName[]): Promise<Worker[]> {
  const handlers = jobHandlers(services);
  const names = (queues ?? (Object.keys(handlers) as QueueName[])).filter((q) => handlers[q].length > 0);
  await ensureSchedules(services);
  const workers = names.map((queue) =>
    startWorker({
      redisUrl: services.config.redisUrl,
      queue,
      handlers: handlers[queue],
      logger: services.logger,
      ...(queue === 'filters' ? { concurrency: PIPELINE_CONCURRENCY } : {}),
      ...(queue === 'probes' ? { concurrency: PROBE_CONCURRENCY } : {}),
    }),
  );
  const filters = workers.find((w) => w.name === 'filters');
  if (filters) {
    // the spool is the truth: whoever works the filters queue also puts missing jobs back (Redis wiped)
    const sweep = startSpoolSweep(services, await openSpool(services));
    const outboundSweep = startOutboundSweep(services, await openOutboundSpool(services));
    filters.on('closing', () => void sweep.close());
    filters.on('closing', () => void outboundSweep.close());
  }
  return workers;
}

/** The SMTP ingress of this process (spool folder made first). */
export async function startSmtp(services: Services): Promise<Ingress> {
  return startIngress({ ...services, spool: await openSpool(services) });
}

/** The submission listeners of this process (STARTTLS and implicit TLS; outbound spool made first). */
export async function startSubmissionListeners(services: Services): Promise<Submission> {
  return startSubmission({ ...services, outboundSpool: await openOutboundSpool(services) });
}

export async function prepareDatabase(services: Services): Promise<void> {
  const applied = await migrateLatest(services.db);
  if (applied.length) services.logger.info({ applied }, 'database migrated');
}

export function onShutdown(fn: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    fn().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export { createServices };
