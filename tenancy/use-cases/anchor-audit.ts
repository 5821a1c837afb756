import { anchorAuditHeads } from '../../platform/audit';
import type { Services } from '../../platform/context';
import type { JobOutcome } from '../../platform/queue';

/**
 * The scheduled `audit.anchor` job: writes to the heads file the last head of each chain that had entries
 * on an earlier day and none since (a chain's first entry of a day anchors the day before by itself).
 */
export async function anchorAudit(services: Pick<Services, 'db'>, now = new Date()): Promise<JobOutcome> {
  const anchored = await anchorAuditHeads(services.db, now);
  return { status: anchored ? 'done' : 'skipped', detail: { anchored } };
}
