// Process role: inbound mail. `filters.ts` runs the SMTP ingress and the filters queue's worker (scan,
// decide, deliver) with the spool sweep; `filters.ts smtp` or `filters.ts worker` runs one of them, so
// ingress and workers can be spread over machines that share the spool folder.
import '../../platform/threadpool';
import { createServices, loadConfigOrExit, onShutdown, prepareDatabase, startSmtp, startWorkers } from './run';

async function main() {
  const services = createServices(loadConfigOrExit());
  await prepareDatabase(services);
  const parts = process.argv.slice(2);
  const closers: Array<{ close(): Promise<void> }> = [];
  if (!parts.length || parts.includes('worker')) closers.push(...(await startWorkers(services, ['filters'])));
  if (!parts.length || parts.includes('smtp')) {
    const smtp = await startSmtp(services);
    closers.push(smtp);
    services.logger.info({ host: smtp.host, port: smtp.port }, 'smtp listening');
    process.stdout.write(`SMTP: ${smtp.host}:${smtp.port}\n`);
  }
  onShutdown(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await services.close();
  });
}

main().catch((e) => {
  process.stderr.write(`postwerk filters: ${(e as Error).message}\n`);
  process.exit(1);
});
