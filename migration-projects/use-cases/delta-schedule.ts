import type { Ctx } from '../../platform/context';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { deltaJob, deltaSchedulerId } from '../jobs';
import { presentProject, type ProjectView } from '../presenters';
import { updateProject } from '../repositories/migration-projects';
import { deltaScheduleSchema } from '../schemas';
import { loadProject } from './common';

/** Delta passes every `intervalMinutes` for the project's synced accounts, until stopped or cut over. */
export async function startDeltaSchedule(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  input: { intervalMinutes: number },
): Promise<ProjectView> {
  const { intervalMinutes } = deltaScheduleSchema.parse(input);
  const everyMs = Math.round(intervalMinutes * 60_000);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    if (!['active', 'cutover-scheduled'].includes(project.status))
      throw conflict(`project "${project.name}" is ${project.status}: delta passes run only before its cut-over`);
    await updateProject(trx, projectId, { delta_interval_ms: everyMs });
    await appendAudit(trx, ctx.actor, {
      action: 'migration.delta.started',
      tenantId,
      target: { type: 'migration_project', id: projectId },
      before: { intervalMinutes: project.delta_interval_ms === null ? null : project.delta_interval_ms / 60_000 },
      after: { intervalMinutes },
    });
    afterCommit(() => ctx.queue.schedule(deltaJob, deltaSchedulerId(projectId), { everyMs }, { projectId }));
    return presentProject({ ...project, delta_interval_ms: everyMs });
  });
}

export async function stopDeltaSchedule(ctx: Ctx, tenantId: string, projectId: string): Promise<ProjectView> {
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    await updateProject(trx, projectId, { delta_interval_ms: null });
    await appendAudit(trx, ctx.actor, {
      action: 'migration.delta.stopped',
      tenantId,
      target: { type: 'migration_project', id: projectId },
      before: { intervalMinutes: project.delta_interval_ms === null ? null : project.delta_interval_ms / 60_000 },
    });
    afterCommit(() => ctx.queue.removeSchedule('migrations', deltaSchedulerId(projectId)));
    return presentProject({ ...project, delta_interval_ms: null });
  });
}
