import type { Services } from '../../platform/context';
import type { JobOutcome } from '../../platform/queue';
import { SESSION_SWEEP_BATCH } from '../limits';
import { deleteExpiredSessions } from '../repositories/staff';

/** Deletes every staff session past its expiry (the scheduled `session.sweep` job). */
export async function sweepExpiredSessions(services: Pick<Services, 'db'>, now = new Date()): Promise<JobOutcome> {
  let deleted = 0;
  for (;;) {
    const n = await deleteExpiredSessions(services.db, now.toISOString(), SESSION_SWEEP_BATCH);
    deleted += n;
    if (n < SESSION_SWEEP_BATCH) break;
  }
  return { status: deleted ? 'done' : 'skipped', detail: { deleted } };
}
