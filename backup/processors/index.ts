import { handler, type JobHandler } from '../../platform/queue';
import { systemActor } from '../../platform/actor';
import { withActor, type Services } from '../../platform/context';
import { listTenants } from '../../tenancy/repositories/tenants';
import { backupDrillJob, backupIntegrityJob, backupRetentionJob, backupSchedulesJob, backupTenantJob } from '../jobs';
import { allSettings } from '../repositories/restores';
import { runBackup } from '../use-cases/run-backup';
import { runRestoreDrill } from '../use-cases/run-restore-drill';
import { runRetention } from '../use-cases/run-retention';
import { checkIntegrity } from '../use-cases/check-integrity';
import { DEFAULT_BACKUP_EVERY_MINUTES, DRILL_EVERY_MS, INTEGRITY_EVERY_MS, RETENTION_EVERY_MS } from '../limits';

/** How often the per-tenant schedules are brought up to date (new tenants, changed intervals). */
const SCHEDULE_SYNC_EVERY_MS = 10 * 60_000;

/** The backup module's job handlers (queue `backup`): thin adapters over the use cases. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function backupJobHandlers(services: Services): JobHandler<any>[] {
  const ctx = withActor(services, systemActor('backup'));
  return [
    handler(backupTenantJob, async (p) => {
      const r = await runBackup(ctx, { tenantId: p.tenantId, accountId: p.accountId, trigger: p.trigger });
      const failed = r.accounts.filter((a) => a.status === 'failed');
      // a failed account makes the job retry: the rerun resumes where the pass stopped
      if (failed.length) throw new Error(`backup failed for ${failed.map((a) => `${a.address}: ${a.error}`).join('; ')}`);
      return { status: 'done', detail: r.accounts.map((a) => ({ address: a.address, status: a.status })) };
    }),
    handler(backupDrillJob, async (p) => {
      // a failed drill is recorded and notified by the use case; retrying it would only notify again
      const r = await runRestoreDrill(ctx, { tenantId: p.tenantId });
      return { status: 'done', detail: { checkId: r.id, status: r.status, sampled: r.sampled, failed: r.failed.length, error: r.error } };
    }),
    handler(backupRetentionJob, async (p) => ({ status: 'done', detail: await runRetention(services, { tenantId: p.tenantId }) })),
    handler(backupIntegrityJob, async (p) => {
      // a failed check is a finding, recorded and notified by the use case, not a job to retry
      const r = await checkIntegrity(services, { tenantId: p.tenantId });
      return { status: 'done', detail: { checkId: r.id, status: r.status, checked: r.checked, missing: r.missing, corrupt: r.corrupt } };
    }),
    handler(backupSchedulesJob, async () => ({ status: 'done', detail: { tenants: await syncBackupSchedules(services) } })),
  ];
}

/**
 * Per tenant: the backup schedule, every `backup_settings.every_minutes` (hourly by default), and a
 * restore drill daily (neither when backups are off); the daily retention and integrity runs (also when
 * backups are off: what is stored still ages and must still read back).
 */
export async function syncBackupSchedules(services: Services): Promise<number> {
  const settings = new Map((await allSettings(services.db)).map((s) => [s.tenant_id, s]));
  let cursor: string | undefined;
  let n = 0;
  for (;;) {
    const page = await listTenants(services.db, {}, { limit: 500, cursor });
    for (const t of page.items) {
      const s = settings.get(t.id);
      const id = `backup.tenant-${t.id}`;
      const drillId = `backup.drill-${t.id}`;
      await services.queue.schedule(backupRetentionJob, `backup.retention-${t.id}`, { everyMs: RETENTION_EVERY_MS }, { tenantId: t.id });
      await services.queue.schedule(backupIntegrityJob, `backup.integrity-${t.id}`, { everyMs: INTEGRITY_EVERY_MS }, { tenantId: t.id });
      if (s && !s.enabled) {
        await services.queue.removeSchedule('backup', id);
        await services.queue.removeSchedule('backup', drillId);
        continue;
      }
      await services.queue.schedule(backupDrillJob, drillId, { everyMs: DRILL_EVERY_MS }, { tenantId: t.id, trigger: 'schedule' });
      const minutes = s?.every_minutes ?? DEFAULT_BACKUP_EVERY_MINUTES;
      await services.queue.schedule(backupTenantJob, id, { everyMs: minutes * 60_000 }, { tenantId: t.id, trigger: 'schedule' });
      n++;
    }
    if (!page.nextCursor) return n;
    cursor = page.nextCursor;
  }
}

export async function ensureBackupSchedules(services: Services): Promise<void> {
  await services.queue.schedule(backupSchedulesJob, 'backup.schedules', { everyMs: SCHEDULE_SYNC_EVERY_MS }, {});
  await syncBackupSchedules(services);
}
