import { z } from 'zod';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { guardedFetch } from '../../platform/outbound';
import type { JobOutcome } from '../../platform/queue';
import { webhookUrlOf } from '../../quotas/repositories/usage';
import { findTenant } from '../../tenancy/repositories/tenants';
import { WEBHOOK_TIMEOUT_MS } from '../limits';
import { findIncident } from '../repositories/probes';
import { presentIncident } from '../shared/presenters';

export const notifyIncidentInput = z.object({
  incidentId: z.uuid(),
  event: z.enum(['incident.opened', 'incident.closed']),
  target: z.enum(['tenant', 'operators']),
});

/**
 * Job incident.notify: POSTs an incident event as JSON (`{event, incident}`, header `X-Postwerk-Event`)
 * to the tenant's webhook (the one its quota notifications go to) or to the operators'
 * (POSTWERK_OPERATOR_WEBHOOK_URL). The same SSRF guard as every tenant webhook; a network error or a
 * non-2xx answer throws, and BullMQ retries with the platform's backoff.
 */
export async function notifyIncident(
  services: Pick<Services, 'db' | 'logger' | 'config'>,
  input: z.input<typeof notifyIncidentInput>,
): Promise<JobOutcome> {
  const { incidentId, event, target } = notifyIncidentInput.parse(input);
  const incident = await findIncident(services.db, incidentId);
  if (!incident) return { status: 'skipped', detail: 'incident not found' };
  const url = target === 'tenant' ? await webhookUrlOf(services.db, incident.tenant_id) : services.config.operatorWebhookUrl;
  if (!url) return { status: 'skipped', detail: 'no webhook configured' };
  const tenant = await findTenant(services.db, incident.tenant_id);
  let problem: string | null = null;
  try {
    const res = await guardedFetch(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Postwerk-Webhook/1', 'x-postwerk-event': event },
        body: JSON.stringify({ event, incident: presentIncident(incident, tenant?.slug ?? '') }),
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      },
      { allowPrivate: services.config.webhookAllowPrivate, setting: 'POSTWERK_WEBHOOK_ALLOW_PRIVATE' },
    );
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) problem = `HTTP ${res.status}`;
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem) {
    services.logger.warn({ incidentId, target, problem }, 'incident webhook failed');
    throw new AppError('unavailable', `incident webhook answered ${problem}`);
  }
  return { status: 'done', detail: { target } };
}
