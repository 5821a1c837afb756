import type { Services } from '../../platform/context';
import { probeRunJob } from '../jobs';
import type { ProbeSettings } from './settings';

export const probeSchedulerId = (tenantId: string) => `probe.run-${tenantId}`;

/** A tenant's probe schedule as its settings say: every `everySeconds`, or none while probes are off. */
export async function applyProbeSchedule(
  services: Pick<Services, 'queue'>,
  tenantId: string,
  s: Pick<ProbeSettings, 'enabled' | 'everySeconds'>,
) {
  if (!s.enabled) return services.queue.removeSchedule('probes', probeSchedulerId(tenantId));
  await services.queue.schedule(probeRunJob, probeSchedulerId(tenantId), { everyMs: s.everySeconds * 1000 }, { tenantId });
}
