import type { Ctx } from '../../platform/context';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { deltaSchedulerId } from '../jobs';
import { presentProject, type ProjectView } from '../presenters';
import { accountsOf, bumpGenerations, updateAccounts, updateProject } from '../repositories/migration-projects';
import { rollbackSchema } from '../schemas';
import { cutoverProjectJobId } from './schedule-cutover';
import { listSome, loadProject } from './common';

/**
 * Abandons the project before the switch: the scheduled cut-over is cancelled, delta passes stop, every
 * account is `rolled-back` (its generation bumped, so queued passes find themselves stale) and inbound
 * mail stays with the source server. Refused once any account was switched: its mail is delivered
 * locally now, and moving it back is a new migration, not a roll-back.
 */
export async function rollbackProject(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  input: { reason?: string } = {},
): Promise<ProjectView> {
  const { reason } = rollbackSchema.parse(input);
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    const accounts = await accountsOf(trx, projectId);
    const switched = accounts.filter((a) => a.switched_at !== null || a.status === 'live');
    if (switched.length)
      throw conflict(
        `roll-back refused: ${switched.length} account(s) already switched to local delivery (${listSome(switched.map((a) => `${a.destination_address} at ${a.switched_at}`))}); roll-back is only possible before the switch`,
        { switched: switched.map((a) => ({ id: a.id, destination: a.destination_address, switchedAt: a.switched_at })) },
      );
    if (project.status === 'cutting-over')
      throw conflict(`roll-back refused: the cut-over of "${project.name}" is running now; roll back after it finished or failed`);
    if (project.status === 'rolled-back') return presentProject(project, { 'rolled-back': accounts.length });

    const ids = accounts.map((a) => a.id);
    await bumpGenerations(trx, ids);
    await updateAccounts(trx, projectId, ['pending', 'prestaging', 'synced', 'cutting-over', 'verified', 'failed'], {
      status: 'rolled-back',
    });
    const patch = {
      status: 'rolled-back' as const,
      delta_interval_ms: null,
      cutover_at: null,
      cutover_generation: project.cutover_generation + 1,
    };
    await updateProject(trx, projectId, patch);
    await appendAudit(trx, ctx.actor, {
      action: 'migration.project.rolled_back',
      tenantId,
      target: { type: 'migration_project', id: projectId },
      before: {
        status: project.status,
        cutoverAt: project.cutover_at,
        deltaIntervalMinutes: project.delta_interval_ms === null ? null : project.delta_interval_ms / 60_000,
      },
      after: { status: 'rolled-back', reason: reason ?? null, inboundRoute: 'source' },
    });
    afterCommit(async () => {
      await ctx.queue.removeSchedule('migrations', deltaSchedulerId(projectId));
      if (project.status === 'cutover-scheduled')
        await ctx.queue.cancel('migrations', cutoverProjectJobId(projectId, project.cutover_generation));
    });
    return presentProject({ ...project, ...patch }, { 'rolled-back': accounts.length });
  });
}
