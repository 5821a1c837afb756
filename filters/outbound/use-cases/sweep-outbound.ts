import type { Services } from '../../../platform/context';
import { SPOOL_TMP_MAX_AGE_MS } from '../../limits';
import type { Spool } from '../../spool/spool';
import { processOutboundJob } from '../jobs';
import { findOutbound } from '../repositories/outbound';
import { recordSubmissionRows } from './accept-submission';

/**
 * The outbound spool is the truth, as the inbound one is (filters/use-cases/sweep-spool.ts): every
 * spooled message gets its rows, and a queued one its job again when the job is missing (Redis wiped)
 * or failed for good (a smarthost down for longer than the job's attempts). Held messages wait for a
 * release; deleted ones leave the spool.
 */
export async function sweepOutbound(deps: Pick<Services, 'db' | 'queue' | 'logger'> & { outboundSpool: Spool }) {
  let added = 0;
  let retried = 0;
  for (const id of await deps.outboundSpool.list()) {
    try {
      let row = await findOutbound(deps.db, id);
      if (!row) {
        const s = await deps.outboundSpool.read(id);
        if (!s?.envelope.submission) continue;
        await recordSubmissionRows(deps.db, s.envelope);
        row = await findOutbound(deps.db, id);
      }
      if (!row || row.status === 'held') continue;
      const r = await deps.queue.ensure(processOutboundJob, { queueId: id });
      if (r === 'added') added++;
      if (r === 'retried') retried++;
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message, queueId: id }, 'outbound sweep: could not queue the message (next sweep tries again)');
    }
  }
  await deps.outboundSpool.sweepTmp(SPOOL_TMP_MAX_AGE_MS);
  if (added || retried) deps.logger.info({ added, retried }, 'outbound sweep');
  return { added, retried };
}
