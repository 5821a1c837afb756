// Process role: queue workers. `worker.ts [queue…]` runs only the named queues, so they can be spread over machines.
import '../../platform/threadpool';
import type { QueueName } from '../../platform/queue';
import { createServices, loadConfigOrExit, onShutdown, prepareDatabase, startWorkers } from './run';

async function main() {
  const services = createServices(loadConfigOrExit());
  await prepareDatabase(services);
  const queues = process.argv.slice(2) as QueueName[];
  const workers = await startWorkers(services, queues.length ? queues : undefined);
  services.logger.info({ queues: workers.map((w) => w.name) }, 'workers running');
  onShutdown(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await services.close();
  });
}

main().catch((e) => {
  process.stderr.write(`postwerk worker: ${(e as Error).message}\n`);
  process.exit(1);
});
