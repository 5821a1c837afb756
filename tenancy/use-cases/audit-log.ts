import { z } from 'zod';
import type { AuditRow } from '../../platform/audit';
import { pageQuery } from '../../platform/db/paginate';
import { verifyAuditChain } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { AUDIT_EXPORT_PAGE } from '../limits';
import { presentAudit } from '../presenters';
import { auditPage, listAuditEntries } from '../repositories/audit';
import { authorize } from '../shared/support';

const time = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
export const auditFilterInput = z.strictObject({
  tenantId: z.uuid().optional(),
  actor: z.string().min(1).max(320).optional(),
  /** entries about one object (an account, a token, a project …), e.g. an account's audit trail */
  targetId: z.string().min(1).max(80).optional(),
  /** an action, or a prefix ending in `.` or `.*` */
  action: z.string().min(1).max(80).optional(),
  /** time range [from, to) */
  from: time.optional(),
  to: time.optional(),
});
export type AuditFilter = z.infer<typeof auditFilterInput>;
export const listAuditInput = pageQuery.extend(auditFilterInput.shape);
export type ListAuditInput = z.infer<typeof listAuditInput>;
export const exportAuditInput = auditFilterInput.extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') });

/**
 * Reading the audit log. A tenant-scoped actor sees only its tenant's entries whatever filter it asks
 * for; platform staff may filter by tenant or see everything.
 */
function scoped(ctx: Ctx, filter: AuditFilter): AuditFilter {
  return { ...filter, tenantId: ctx.actor.tenantId ?? filter.tenantId };
}

export async function listAudit(ctx: Ctx, input: ListAuditInput) {
  authorize(ctx, 'audit.read');
  const page = await listAuditEntries(ctx.db, scoped(ctx, input), input);
  return { items: page.items.map(presentAudit), nextCursor: page.nextCursor };
}

/** Every matching entry, page by page, for exports that stream. */
export async function* iterateAudit(ctx: Ctx, filter: AuditFilter): AsyncGenerator<AuditRow> {
  authorize(ctx, 'audit.read');
  const f = scoped(ctx, filter);
  let after = 0;
  for (;;) {
    const rows = await auditPage(ctx.db, f, after, AUDIT_EXPORT_PAGE);
    for (const r of rows) yield r;
    if (rows.length < AUDIT_EXPORT_PAGE) return;
    after = rows.at(-1)!.id;
  }
}

export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'actor_type',
  'actor_id',
  'actor_role',
  'tenant_id',
  'action',
  'target_type',
  'target_id',
  'before',
  'after',
  'ip',
  'prev_hash',
  'hash',
  'chain_id',
  'seq',
  'actor_ref',
  'key_id',
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A leading =+-@ is
 * prefixed with ' so that a spreadsheet does not run it as a formula (CSV injection). */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const auditCsvLine = (r: AuditRow): string => AUDIT_CSV_COLUMNS.map((c) => csvField(r[c])).join(',') + '\r\n';
export const auditNdjsonLine = (r: AuditRow): string => JSON.stringify(presentAudit(r)) + '\n';

export async function verifyAudit(ctx: Ctx) {
  authorize(ctx, 'audit.verify');
  return verifyAuditChain(ctx.db);
}
