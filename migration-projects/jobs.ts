import { z } from 'zod';
import { defineJob } from '../platform/queue';

/**
 * The jobs of migration projects, all on queue `migrations`. Every id is deterministic and carries a
 * generation (bumped by each start, retry, reschedule or roll-back), so a retried enqueue is harmless,
 * a rescheduled cut-over gets a new id, and a job left over from an older generation finds it is stale
 * and does nothing.
 */

/** Full pass of one account. */
export const prestageJob = defineJob({
  queue: 'migrations',
  name: 'migration.prestage',
  payload: z.object({ projectId: z.uuid(), accountId: z.uuid(), generation: z.number().int().min(0) }),
  jobId: (p) => `migration.prestage:${p.accountId}:${p.generation}`,
});

/**
 * Delta passes. The project's job scheduler produces `{projectId}` every interval; that job fans out one
 * `{projectId, accountId, tick}` job per synced account (tick: the scheduler job's id), which runs the pass.
 */
export const deltaJob = defineJob({
  queue: 'migrations',
  name: 'migration.delta',
  payload: z.object({ projectId: z.uuid(), accountId: z.uuid().optional(), tick: z.string().max(200).optional() }),
  jobId: (p) => `migration.delta:${p.projectId}:${p.accountId ?? 'all'}:${p.tick ?? 'now'}`,
});
export const deltaSchedulerId = (projectId: string) => `migration.delta:${projectId}`;

/**
 * Cut-over. The engineer's delayed job is `{projectId, generation}`; it fans out one job per account with
 * `accountId` (final delta, verification, switch). `wait` counts how often an account that was still busy
 * was looked at again.
 */
export const cutoverJob = defineJob({
  queue: 'migrations',
  name: 'migration.cutover',
  payload: z.object({
    projectId: z.uuid(),
    generation: z.number().int().min(0),
    accountId: z.uuid().optional(),
    wait: z.number().int().min(0).optional(),
  }),
  jobId: (p) => `migration.cutover:${p.projectId}:${p.generation}:${p.accountId ?? 'project'}:${p.wait ?? 0}`,
});

/** Catch-up delta passes after the switch: a chain of delayed rounds per account until its window closes. */
export const catchupJob = defineJob({
  queue: 'migrations',
  name: 'migration.catchup',
  payload: z.object({ projectId: z.uuid(), accountId: z.uuid(), round: z.number().int().min(1) }),
  jobId: (p) => `migration.catchup:${p.accountId}:${p.round}`,
});
