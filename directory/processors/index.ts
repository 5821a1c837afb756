import { systemActor } from '../../platform/actor';
import { withActor, type Services } from '../../platform/context';
import { handler, type JobHandler } from '../../platform/queue';
import { directorySchedulesJob, directorySyncJob } from '../jobs';
import { SYNC_SCHEDULES_EVERY_MS } from '../limits';
import { scheduledConnections } from '../repositories/connections';
import { runScheduledSync } from '../use-cases/run-scheduled-sync';

/** The directory module's job handlers (queue `control-plane`): thin adapters over the use cases. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function directoryJobHandlers(services: Services): JobHandler<any>[] {
  const ctx = withActor(services, systemActor('directory.sync'));
  return [
    handler(directorySyncJob, async (p) => {
      const r = await runScheduledSync(ctx, p.tenantId);
      return { status: r.status === 'applied' ? 'done' : 'skipped', detail: r };
    }),
    handler(directorySchedulesJob, async () => ({ status: 'done', detail: { connections: await syncDirectorySchedules(services) } })),
  ];
}

/** Per connection with `syncEveryMinutes`: the repeatable sync; without it, none. */
export async function syncDirectorySchedules(services: Services): Promise<number> {
  let n = 0;
  for (const c of await scheduledConnections(services.db)) {
    const id = `directory.sync-${c.tenant_id}`;
    if (!c.sync_every_minutes) {
      await services.queue.removeSchedule('control-plane', id);
      continue;
    }
    await services.queue.schedule(directorySyncJob, id, { everyMs: c.sync_every_minutes * 60_000 }, { tenantId: c.tenant_id });
    n++;
  }
  return n;
}

export async function ensureDirectorySchedules(services: Services): Promise<void> {
  await services.queue.schedule(directorySchedulesJob, 'directory.schedules', { everyMs: SYNC_SCHEDULES_EVERY_MS }, {});
  await syncDirectorySchedules(services);
}
