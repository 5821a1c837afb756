import { handler, isLastAttempt, type JobHandler } from '../../platform/queue';
import type { Services } from '../../platform/context';
import { listTenants } from '../../tenancy/repositories/tenants';
import { incidentNotifyJob, probeRollupJob, probeRunJob, probeSchedulesJob } from '../jobs';
import { ROLLUP_EVERY_MS, SCHEDULE_SYNC_EVERY_MS } from '../limits';
import { allSettings } from '../repositories/probes';
import { settingsOf } from '../shared/settings';
import { applyProbeSchedule } from '../shared/schedule';
import { notifyIncident } from '../use-cases/notify-incident';
import { rollUpProbes } from '../use-cases/roll-up-probes';
import { runProbe } from '../use-cases/run-probe';

/** The operability module's job handlers (queue `probes`): thin adapters over the use cases. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function probeJobHandlers(services: Services): JobHandler<any>[] {
  return [
    handler(probeRunJob, async (p, job) => {
      const r = await runProbe(services, { ...p, slot: job.id });
      if (r.status === 'skipped') return { status: 'skipped', detail: r.reason };
      return { status: 'done', detail: { ok: Boolean(r.run.ok), failedStep: r.run.failed_step, ...r.incident } };
    }),
    handler(probeRollupJob, async () => ({ status: 'done', detail: await rollUpProbes(services) })),
    handler(probeSchedulesJob, async () => ({ status: 'done', detail: { tenants: await syncProbeSchedules(services) } })),
    handler(incidentNotifyJob, (p, job) =>
      notifyIncident(services, p).catch((e) => {
        if (isLastAttempt(job)) services.logger.error({ incidentId: p.incidentId, err: (e as Error).message }, 'incident webhook given up');
        throw e;
      }),
    ),
  ];
}

/** Per tenant: a probe every `every_seconds` (60 by default), none while probes are turned off for it. */
export async function syncProbeSchedules(services: Services): Promise<number> {
  const settings = new Map((await allSettings(services.db)).map((s) => [s.tenant_id, settingsOf(s)]));
  let cursor: string | undefined;
  let n = 0;
  for (;;) {
    const page = await listTenants(services.db, {}, { limit: 500, cursor });
    for (const t of page.items) {
      const s = settings.get(t.id) ?? settingsOf(undefined);
      await applyProbeSchedule(services, t.id, s);
      if (s.enabled) n++;
    }
    if (!page.nextCursor) return n;
    cursor = page.nextCursor;
  }
}

export async function ensureProbeSchedules(services: Services): Promise<void> {
  await services.queue.schedule(probeSchedulesJob, 'probe.schedules', { everyMs: SCHEDULE_SYNC_EVERY_MS }, {});
  await services.queue.schedule(probeRollupJob, 'probe.rollup', { everyMs: ROLLUP_EVERY_MS }, {});
  await syncProbeSchedules(services);
}
