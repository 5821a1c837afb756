import type { Services } from '../../platform/context';
import { handler, type JobHandler } from '../../platform/queue';
import { purgeAccount, sweepPurges } from '../use-cases/purge-account';
import { sweepExpiredSessions } from '../use-cases/sweep-sessions';
import { sweepPendingDomains } from '../use-cases/sweep-pending-domains';
import { anchorAudit } from '../use-cases/anchor-audit';
import { AUDIT_ANCHOR_EVERY_MS, DOMAIN_VERIFY_SWEEP_EVERY_MS, PURGE_SWEEP_EVERY_MS, SESSION_SWEEP_EVERY_MS } from '../limits';
import { auditAnchorJob, domainVerifySweepJob, purgeAccountJob, purgeSweepJob, sessionSweepJob } from '../jobs';

/** Handlers of queue control-plane (registered in workers/index.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function controlPlaneHandlers(services: Services): JobHandler<any>[] {
  return [
    handler(purgeAccountJob, (p) => purgeAccount(services, { accountId: p.accountId })),
    handler(purgeSweepJob, () => sweepPurges(services)),
    handler(sessionSweepJob, () => sweepExpiredSessions(services)),
    handler(domainVerifySweepJob, async () => ({ status: 'done', detail: await sweepPendingDomains(services) })),
    handler(auditAnchorJob, () => anchorAudit(services)),
  ];
}

export async function ensureControlPlaneSchedules(services: Services): Promise<void> {
  await services.queue.schedule(purgeSweepJob, 'account.purge-sweep', { everyMs: PURGE_SWEEP_EVERY_MS }, {});
  await services.queue.schedule(sessionSweepJob, 'session.sweep', { everyMs: SESSION_SWEEP_EVERY_MS }, {});
  await services.queue.schedule(domainVerifySweepJob, 'domain.verify-sweep', { everyMs: DOMAIN_VERIFY_SWEEP_EVERY_MS }, {});
  await services.queue.schedule(auditAnchorJob, 'audit.anchor', { everyMs: AUDIT_ANCHOR_EVERY_MS }, {});
}
