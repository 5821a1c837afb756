import { z } from 'zod';
import { defineJob } from '../platform/queue';

/**
 * The operability module's jobs, all on queue `probes` (a queue of its own: a probe must not wait
 * behind a migration pass); processors/index.ts wires them and the schedules.
 */

/** One probe run of one tenant (use-cases/run-probe.ts), every `probe_settings.every_seconds`. */
export const probeRunJob = defineJob({
  queue: 'probes',
  name: 'probe.run',
  payload: z.strictObject({ tenantId: z.uuid() }),
  // a failed probe is a result (stored, counted), not a retry: the next run comes within a minute
  options: { attempts: 1, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600, count: 1000 } },
});

/** Upserts every tenant's probe schedule (tenants created since the worker started get theirs within minutes). */
export const probeSchedulesJob = defineJob({
  queue: 'probes',
  name: 'probe.schedules',
  payload: z.strictObject({}),
  options: { attempts: 1 },
});

/** Hourly: raw runs of complete hours into probe_hourly, then the raw and hourly retention. */
export const probeRollupJob = defineJob({
  queue: 'probes',
  name: 'probe.rollup',
  payload: z.strictObject({}),
  options: { attempts: 3 },
});

/** An incident opened or closed: POSTed to the tenant's webhook and to the operators' (use-cases/notify-incident.ts). */
export const incidentNotifyJob = defineJob({
  queue: 'probes',
  name: 'incident.notify',
  payload: z.strictObject({
    incidentId: z.uuid(),
    event: z.enum(['incident.opened', 'incident.closed']),
    target: z.enum(['tenant', 'operators']),
  }),
  jobId: (p) => `incident.notify-${p.incidentId}-${p.event}-${p.target}`,
});
