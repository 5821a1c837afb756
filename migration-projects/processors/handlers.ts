import type { Services } from '../../platform/context';
import { handler, type JobHandler } from '../../platform/queue';
import { catchupJob, cutoverJob, deltaJob, prestageJob } from '../jobs';
import type { MigrationDeps, MigrationHooks } from './engine';
import { processCatchup } from './catchup';
import { processCutover } from './cutover';
import { processDelta } from './delta';
import { processPrestage } from './prestage';

/** The handlers of queue `migrations`: thin adapters from a BullMQ job to a processor. */
export function migrationJobHandlers(
  services: Services,
  opts: { hooks?: MigrationHooks; lease?: MigrationDeps['lease'] } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): JobHandler<any>[] {
  const deps = { services, hooks: opts.hooks, lease: opts.lease };
  return [
    handler(prestageJob, (p, job) => processPrestage(deps, p, job)),
    handler(deltaJob, (p, job) => processDelta(deps, p, job)),
    handler(cutoverJob, (p, job) => processCutover(deps, p, job)),
    handler(catchupJob, (p, job) => processCatchup(deps, p, job)),
  ];
}
