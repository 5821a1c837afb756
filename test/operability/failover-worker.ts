// A worker process of the two-node failover test (failover.test.ts), which kills one with SIGKILL.
// The same handlers and startWorker as control-plane/main/worker.ts, for the queues the test uses, with
// two differences: the account lease is shortened (a killed pass's lease runs out in seconds, not 10
// minutes), and the platform-wide schedules are not upserted (on the shared test database they would
// collect, reconcile and probe every other test file's tenants).
import { createServices } from '../../control-plane/services';
import { loadConfig } from '../../platform/config';
import { startWorker, type QueueName } from '../../platform/queue';
import { quotaJobHandlers } from '../../quotas/processors/index';
import { migrationJobHandlers } from '../../migration-projects';
import { probeJobHandlers } from '../../operability/processors';

async function main() {
  const config = loadConfig({ ...process.env, POSTWERK_LOG_LEVEL: process.env.POSTWERK_LOG_LEVEL ?? 'silent' });
  const services = createServices(config);
  const name = process.env.FAILOVER_WORKER_NAME ?? `worker-${process.pid}`;
  const handlers: Partial<Record<QueueName, ReturnType<typeof quotaJobHandlers>>> = {
    quotas: quotaJobHandlers(services),
    migrations: migrationJobHandlers(services, { lease: { durationMs: 3000, renewEveryMs: 500 } }),
    probes: probeJobHandlers(services),
  };
  for (const [queue, list] of Object.entries(handlers))
    startWorker({ redisUrl: config.redisUrl, queue: queue as QueueName, handlers: list!, logger: services.logger, name, concurrency: 4 });
  process.stdout.write('ready\n');
}
main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
