import type { Writable } from 'node:stream';
import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { requirePermission } from '../../platform/permissions';
import { findAccount } from '../../tenancy/repositories/accounts';
import { writeArchive, type ExportResult, type ExportSpec } from '../export/archive';
import type { ExportEvent } from '../export/writer';
import { exportSourceOpener } from './export-sources';

/**
 * Export of one account for reversibility: every folder as mbox files (mboxrd) or as a Maildir tree,
 * in a tar streamed to the caller, from the live mailbox or from a backup as of a chosen time. The
 * export is planned (permission, tenant, account, audit entry) before the first byte goes out, so a
 * refusal is still a clean error answer; `run` then streams.
 */
export const exportFormat = z.enum(['mbox', 'maildir']);

export const exportAccountInput = z.strictObject({
  tenantId: z.uuid(),
  accountId: z.uuid(),
  format: exportFormat,
  /** live: the mailbox as it is now; backup: the backup as of `at` */
  from: z.enum(['live', 'backup']).default('live'),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type ExportAccountInput = z.input<typeof exportAccountInput>;

export interface ExportPlan {
  filename: string;
  spec: ExportSpec;
  run(out: Writable, opts?: { onEvent?: (e: ExportEvent) => void }): Promise<ExportResult>;
}

export async function exportAccount(ctx: Ctx, raw: ExportAccountInput): Promise<ExportPlan> {
  const input = exportAccountInput.parse(raw);
  requirePermission(ctx.actor, 'backup.export');
  assertTenantAccess(ctx.actor, input.tenantId, 'account', input.accountId);
  const account = await findAccount(ctx.db, input.tenantId, input.accountId);
  if (!account) throw notFound('account', input.accountId);
  const at = new Date(input.at ?? Date.now()).toISOString();
  const spec: ExportSpec = {
    format: input.format,
    from: input.from,
    at,
    accounts: [{ id: account.id, tenantId: account.tenant_id, address: account.address }],
  };
  await inTransaction(ctx.db, ({ trx }) =>
    appendAudit(trx, ctx.actor, {
      action: 'backup.export',
      tenantId: account.tenant_id,
      target: { type: 'account', id: account.id },
      after: { format: spec.format, from: spec.from, at, address: account.address },
    }),
  );
  return planOf(ctx, spec, `${account.address}-${input.format}.tar`);
}

export function planOf(ctx: Ctx, spec: ExportSpec, filename: string): ExportPlan {
  return {
    filename: filename.replace(/[^A-Za-z0-9@._+-]/g, '_'),
    spec,
    run: (out, opts = {}) => writeArchive(spec, exportSourceOpener(ctx, spec), out, opts),
  };
}
