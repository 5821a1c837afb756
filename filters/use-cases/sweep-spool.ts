import type { Services } from '../../platform/context';
import { processInboundJob } from '../jobs';
import { SPOOL_TMP_MAX_AGE_MS } from '../limits';
import type { Spool } from '../spool/spool';
import { unfinishedQueueIds } from '../repositories/messages';
import { acceptedAtOf } from '../spool/queue-id';
import { recordRows } from './accept-message';

export type SweepDeps = Pick<Services, 'db' | 'queue' | 'logger'> & { spool: Spool };

/**
 * The spool is the truth, the queue only points into it: at start and then periodically, every spooled
 * message gets its rows and a queued job again when its job is missing (Redis wiped or restarted) or
 * failed for good (a scanner down for longer than the job's attempts); a job that exists is left alone.
 * Temp files of DATA a crash cut off go.
 *
 * `minAgeMs` leaves out messages accepted that recently (the periodic sweep passes its interval): the
 * ingress has just written their rows and job, and a job Redis lost is found by the next sweep. Under a
 * backlog this keeps the sweep from re-reading every message the workers are about to take anyway.
 */
export async function sweepSpool(
  deps: SweepDeps,
  opts: { minAgeMs?: number } = {},
): Promise<{ spooled: number; added: number; retried: number; closed: number }> {
  const ids = await deps.spool.list();
  const minAgeMs = opts.minAgeMs ?? 0;
  const recorded = new Set(await unfinishedQueueIds(deps.db));
  const now = Date.now();
  let added = 0;
  let retried = 0;
  for (const id of ids) {
    // an id of another form (renamed by hand) is swept whatever its age
    if (minAgeMs > 0 && now - acceptedAtOf(id) < minAgeMs) continue;
    const s = await deps.spool.read(id).catch(() => null);
    if (!s) continue;
    try {
      if (!recorded.has(id)) await recordRows(deps.db, s.envelope);
      const r = await deps.queue.ensure(processInboundJob, { queueId: id });
      if (r === 'added') added++;
      if (r === 'retried') retried++;
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message, queueId: id }, 'spool sweep: could not queue the message (next sweep tries again)');
    }
  }
  // Rows of messages no longer in the spool are closed by the pipeline when it runs for them, not here:
  // several ingress machines may each have a spool of their own over one database.
  const closed = 0;
  await deps.spool.sweepTmp(SPOOL_TMP_MAX_AGE_MS);
  if (added || retried || closed) deps.logger.info({ spooled: ids.length, added, retried, closed }, 'spool sweep');
  return { spooled: ids.length, added, retried, closed };
}
