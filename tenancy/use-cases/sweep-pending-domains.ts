import pLimit from 'p-limit';
import { systemActor } from '../../platform/actor';
import type { Services } from '../../platform/context';
import { DOMAIN_VERIFY_CONCURRENCY, DOMAIN_VERIFY_SWEEP_BATCH } from '../limits';
import { listPendingDomains } from '../repositories/domains';
import { runVerificationCheck } from '../shared/domain-ownership';

/**
 * The `domain.verify-sweep` job (every 10 minutes): checks the DNS of pending domains, least recently
 * checked first, and verifies those whose TXT record has appeared, audited by the system actor
 * `domain.verify-sweep`. One domain's failed lookup is recorded on that domain and never stops the others.
 */
export async function sweepPendingDomains(services: Services): Promise<{ checked: number; verified: number }> {
  const actor = systemActor('domain.verify-sweep');
  const pending = await listPendingDomains(services.db, DOMAIN_VERIFY_SWEEP_BATCH);
  const limit = pLimit(DOMAIN_VERIFY_CONCURRENCY);
  let verified = 0;
  await Promise.all(
    pending.map((d) =>
      limit(async () => {
        try {
          const after = await runVerificationCheck(services, actor, d, 'dns');
          if (after?.verification.status === 'verified') {
            verified++;
            services.logger.info({ tenantId: d.tenant_id, domain: d.name }, 'domain ownership verified by its DNS record');
          }
        } catch (e) {
          services.logger.warn({ tenantId: d.tenant_id, domain: d.name, err: (e as Error).message }, 'domain verification check failed');
        }
      }),
    ),
  );
  return { checked: pending.length, verified };
}
