import type { Ctx } from '../../platform/context';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { presentAccount, type AccountView } from '../presenters';
import { accountsOf, insertAccounts, setInboundRoute } from '../repositories/migration-projects';
import { accountRowsFromCsv } from './account-rows';
import { loadProject } from './common';

/** Adds accounts (CSV rows) to a project that has not been cut over or rolled back. All or nothing. */
export async function addMigrationAccounts(ctx: Ctx, tenantId: string, projectId: string, csv: string): Promise<AccountView[]> {
  return inTransaction(ctx.db, async ({ trx }) => {
    const project = await loadProject(ctx, trx, tenantId, projectId, 'migration.write', { forUpdate: true });
    if (!['active', 'cutover-scheduled'].includes(project.status))
      throw conflict(`project "${project.name}" is ${project.status}: accounts can only be added before its cut-over`);
    const current = await accountsOf(trx, projectId);
    const rows = await accountRowsFromCsv(trx, ctx.config, project, csv, {
      sourceUsers: new Set(current.map((a) => a.source_user.toLowerCase())),
      accountIds: new Set(current.map((a) => a.account_id)),
    });
    await insertAccounts(trx, rows);
    await setInboundRoute(
      trx,
      rows.map((a) => a.account_id),
      'source',
    );
    await appendAudit(trx, ctx.actor, {
      action: 'migration.accounts.added',
      tenantId,
      target: { type: 'migration_project', id: projectId },
      after: { accounts: rows.map((a) => ({ sourceUser: a.source_user, destination: a.destination_address })) },
    });
    return rows.map(presentAccount);
  });
}
