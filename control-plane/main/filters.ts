// Process role: mail. `filters.ts` runs the SMTP ingress, the submission listeners and the filters queue's
// worker (scan, decide, deliver; outbound: scan, hold, send) with the spool sweeps; `filters.ts smtp`,
// `filters.ts submission` or `filters.ts worker` runs one of them, so listeners and workers can be spread
// over machines that share the spool folder.
import '../../platform/threadpool';
import { createServices, loadConfigOrExit, onShutdown, prepareDatabase, startSmtp, startSubmissionListeners, startWorkers } from './run';

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
  if (!parts.length || parts.includes('submission')) {
    const sub = await startSubmissionListeners(services);
    closers.push(sub);
    services.logger.info({ host: sub.host, port: sub.port, tlsPort: sub.tlsPort }, 'submission listening');
    process.stdout.write(`Submission: ${sub.host}:${sub.port}\n`);
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
