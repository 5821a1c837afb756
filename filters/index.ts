// What the composition root (control-plane) needs from filters/: the process role's parts.
import type { Services } from '../platform/context';
import type { JobHandler } from '../platform/queue';
import { SPOOL_SWEEP_INTERVAL_MS } from './limits';
import { processInboundHandler } from './processors/process-inbound';
import { Spool } from './spool/spool';
import { sweepSpool } from './use-cases/sweep-spool';
import path from 'node:path';
import { OUTBOUND_SWEEP_INTERVAL_MS } from './outbound/limits';
import { processOutboundHandler } from './outbound/processors/process-outbound';
import { sweepOutbound } from './outbound/use-cases/sweep-outbound';

export { startIngress, type Ingress } from './smtp/server';
export { deliverToMailbox } from './delivery/lmtp';
export { Spool } from './spool/spool';
export { sweepSpool } from './use-cases/sweep-spool';
export { PIPELINE_CONCURRENCY } from './limits';
export { startSubmission, type Submission } from './outbound/smtp/submission';

export async function openSpool(services: Pick<Services, 'config'>): Promise<Spool> {
  const spool = new Spool(services.config.smtp.spoolDir);
  await spool.init();
  return spool;
}

/** The outbound spool (submitted mail): a folder of the inbound spool's, with the same layout and discipline. */
export function outboundSpoolOf(services: Pick<Services, 'config'>): Spool {
  return new Spool(path.join(services.config.smtp.spoolDir, 'outbound'));
}

export async function openOutboundSpool(services: Pick<Services, 'config'>): Promise<Spool> {
  const spool = outboundSpoolOf(services);
  await spool.init();
  return spool;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function filterJobHandlers(services: Services, spool: Spool, outboundSpool: Spool = outboundSpoolOf(services)): JobHandler<any>[] {
  return [processInboundHandler({ ...services, spool }), processOutboundHandler({ ...services, spool, outboundSpool })];
}

/** Sweeps the outbound spool now and then every interval; returns the stop function. */
export function startOutboundSweep(
  services: Services,
  outboundSpool: Spool,
  everyMs = OUTBOUND_SWEEP_INTERVAL_MS,
): { close(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = sweepOutbound({ ...services, outboundSpool }).catch((e) =>
      services.logger.warn({ err: (e as Error).message }, 'outbound sweep failed'),
    );
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Sweeps the spool now and then every interval; returns the stop function. */
export function startSpoolSweep(services: Services, spool: Spool, everyMs = SPOOL_SWEEP_INTERVAL_MS): { close(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  // the first sweep (at start, maybe after a crash) takes every message; later ones leave out the newest
  let minAgeMs = 0;
  const run = () => {
    running = sweepSpool({ ...services, spool }, { minAgeMs }).catch((e) =>
      services.logger.warn({ err: (e as Error).message }, 'spool sweep failed'),
    );
    minAgeMs = everyMs;
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
