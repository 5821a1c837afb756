import type { Ctx } from '../../platform/context';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { conflict, invalid } from '../../platform/errors';
import { cutoverJob } from '../jobs';
import { CUTOVER_MAX_AHEAD_MS, CUTOVER_PAST_TOLERANCE_MS } from '../limits';
import { presentProject, type ProjectView } from '../presenters';
import { updateProject } from '../repositories/migration-projects';
import { cutoverSchema } from '../schemas';
import { loadProject } from './common';

export const cutoverProjectJobId = (projectId: string, generation: number) => cutoverJob.jobId!({ projectId, generation });

/**
 * Schedules the project's cut-over for a date and time, or moves an already scheduled one: the new
 * generation gets a new delayed job, and the old delayed job is removed. Should the old one run anyway
 * (it was already due), it finds its generation stale and does nothing.
 */
export async function scheduleCutover(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  input: { at: string; catchupWindowHours?: number },
): Promise<ProjectView> {
  const parsed = cutoverSchema.parse(input);
  const at = new Date(parsed.at);
  const delay = at.getTime() - Date.now();
  if (delay < -CUTOVER_PAST_TOLERANCE_MS) throw invalid(`cut-over time ${parsed.at} is in the past`);
  if (delay > CUTOVER_MAX_AHEAD_MS) throw invalid(`cut-over time ${parsed.at} is more than a year ahead`);

  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    if (!['active', 'cutover-scheduled'].includes(project.status))
      throw conflict(
        `project "${project.name}" is ${project.status}: ${project.status === 'cutting-over' ? 'its cut-over is running' : 'a cut-over cannot be scheduled'}`,
      );
    const rescheduling = project.status === 'cutover-scheduled';
    const generation = project.cutover_generation + 1;
    const patch = {
      status: 'cutover-scheduled' as const,
      cutover_at: at.toISOString(),
      cutover_generation: generation,
      ...(parsed.catchupWindowHours !== undefined ? { catchup_window_ms: Math.round(parsed.catchupWindowHours * 3600_000) } : {}),
    };
    await updateProject(trx, projectId, patch);
    await appendAudit(trx, ctx.actor, {
      action: rescheduling ? 'migration.cutover.rescheduled' : 'migration.cutover.scheduled',
      tenantId,
      target: { type: 'migration_project', id: projectId },
      before: rescheduling ? { cutoverAt: project.cutover_at } : undefined,
      after: { cutoverAt: patch.cutover_at, catchupWindowHours: (patch.catchup_window_ms ?? project.catchup_window_ms) / 3600_000 },
    });
    afterCommit(async () => {
      if (rescheduling) await ctx.queue.cancel('migrations', cutoverProjectJobId(projectId, project.cutover_generation));
      await ctx.queue.enqueue(cutoverJob, { projectId, generation }, { delay: Math.max(0, delay) });
    });
    return presentProject({ ...project, ...patch });
  });
}
