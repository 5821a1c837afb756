import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { requirePermission } from '../../platform/permissions';
import { listAccounts } from '../../tenancy/repositories/accounts';
import { findTenant } from '../../tenancy/repositories/tenants';
import type { ExportSpec } from '../export/archive';
import { exportFormat, planOf, type ExportPlan } from './export-account';

/**
 * Export of a whole tenant (a customer who leaves): every account, one after another, in one archive.
 * The account list is read when the export is planned; an account created during the export is not in it.
 */
export const exportTenantInput = z.strictObject({
  tenantId: z.uuid(),
  format: exportFormat,
  from: z.enum(['live', 'backup']).default('live'),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type ExportTenantInput = z.input<typeof exportTenantInput>;

/** Accounts read per query while planning (the plan holds ids and addresses only). */
const ACCOUNT_PAGE = 500;

export async function exportTenant(ctx: Ctx, raw: ExportTenantInput): Promise<ExportPlan> {
  const input = exportTenantInput.parse(raw);
  requirePermission(ctx.actor, 'backup.export');
  assertTenantAccess(ctx.actor, input.tenantId, 'tenant', input.tenantId);
  const tenant = await findTenant(ctx.db, input.tenantId);
  if (!tenant) throw notFound('tenant', input.tenantId);
  const accounts: ExportSpec['accounts'] = [];
  let cursor: string | undefined;
  do {
    const page = await listAccounts(ctx.db, tenant.id, {}, { limit: ACCOUNT_PAGE, cursor });
    for (const a of page.items) accounts.push({ id: a.id, tenantId: a.tenant_id, address: a.address });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const at = new Date(input.at ?? Date.now()).toISOString();
  const spec: ExportSpec = { format: input.format, from: input.from, at, accounts };
  await inTransaction(ctx.db, ({ trx }) =>
    appendAudit(trx, ctx.actor, {
      action: 'backup.export',
      tenantId: tenant.id,
      target: { type: 'tenant', id: tenant.id },
      after: { format: spec.format, from: spec.from, at, accounts: accounts.length },
    }),
  );
  return planOf(ctx, spec, `${tenant.slug}-${input.format}.tar`);
}
