// Process role: the REST API and the portal's static files.
import '../../platform/threadpool';
import { createServices, loadConfigOrExit, onShutdown, prepareDatabase, startApi } from './run';

async function main() {
  const services = createServices(loadConfigOrExit());
  await prepareDatabase(services);
  const server = await startApi(services);
  services.logger.info({ url: services.config.api.publicUrl }, 'api listening');
  onShutdown(async () => {
    await new Promise((r) => server.close(r));
    await services.close();
  });
}

main().catch((e) => {
  process.stderr.write(`postwerk api: ${(e as Error).message}\n`);
  process.exit(1);
});
