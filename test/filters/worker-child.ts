// A filters worker in a process of its own, for the crash test: the test kills it with SIGKILL.
import { createServices } from '../../control-plane/services';
import { loadConfig } from '../../platform/config';
import { startWorker } from '../../platform/queue';
import { filterJobHandlers, openSpool, startSpoolSweep } from '../../filters';

async function main() {
  const config = loadConfig({ ...process.env, POSTWERK_LOG_LEVEL: 'silent' });
  const services = createServices(config);
  const spool = await openSpool(services);
  startWorker({
    redisUrl: config.redisUrl,
    queue: 'filters',
    handlers: filterJobHandlers(services, spool),
    logger: services.logger,
    concurrency: 4,
  });
  startSpoolSweep(services, spool, 1000);
  process.stdout.write('ready\n');
}
main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
