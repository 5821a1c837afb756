import type { Ctx } from '../../platform/context';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { prestageJob } from '../jobs';
import { accountsOf, bumpGenerations, updateAccounts, type AccountStatus } from '../repositories/migration-projects';
import { loadProject } from './common';

export interface StartResult {
  started: Array<{ id: string; sourceUser: string }>;
  skipped: Array<{ id: string; sourceUser: string; reason: string }>;
}

/**
 * Moves accounts to `prestaging` with a new generation and queues one full pass each (after commit).
 * Shared by "start pre-stage" (pending accounts) and "retry failed accounts" (failed ones).
 */
export async function queueFullPasses(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  opts: { from: AccountStatus[]; accountIds?: string[]; action: string },
): Promise<StartResult> {
  return inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    if (!['active', 'cutover-scheduled'].includes(project.status))
      throw conflict(`project "${project.name}" is ${project.status}: passes can only be started before its cut-over`);
    const all = await accountsOf(trx, projectId, opts.accountIds ? { ids: opts.accountIds } : {});
    const eligible = all.filter((a) => opts.from.includes(a.status));
    const skipped = all
      .filter((a) => !opts.from.includes(a.status))
      .map((a) => ({ id: a.id, sourceUser: a.source_user, reason: `status is ${a.status}, not ${opts.from.join(' or ')}` }));
    if (opts.accountIds) {
      const known = new Set(all.map((a) => a.id));
      for (const id of opts.accountIds) if (!known.has(id)) skipped.push({ id, sourceUser: '', reason: 'not an account of this project' });
    }
    const ids = eligible.map((a) => a.id);
    if (ids.length) {
      await bumpGenerations(trx, ids);
      await updateAccounts(trx, projectId, opts.from, { status: 'prestaging', last_error: null, missing_messages: null }, ids);
      await appendAudit(trx, ctx.actor, {
        action: opts.action,
        tenantId,
        target: { type: 'migration_project', id: projectId },
        after: { accounts: eligible.map((a) => a.source_user) },
      });
      afterCommit(async () => {
        for (const a of eligible) await ctx.queue.enqueue(prestageJob, { projectId, accountId: a.id, generation: a.generation + 1 });
      });
    }
    return { started: eligible.map((a) => ({ id: a.id, sourceUser: a.source_user })), skipped };
  });
}

/** Starts the pre-stage (a full pass) of the project's pending accounts, or of the given ones. */
export function startPrestage(ctx: Ctx, tenantId: string, projectId: string, accountIds?: string[]): Promise<StartResult> {
  return queueFullPasses(ctx, tenantId, projectId, { from: ['pending'], accountIds, action: 'migration.prestage.started' });
}

/** Runs the full pass again for failed accounts (a full pass copies only what is missing). */
export function retryFailedAccounts(ctx: Ctx, tenantId: string, projectId: string, accountIds?: string[]): Promise<StartResult> {
  return queueFullPasses(ctx, tenantId, projectId, { from: ['failed'], accountIds, action: 'migration.accounts.retried' });
}
