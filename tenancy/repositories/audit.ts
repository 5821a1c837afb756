import type { Knex } from 'knex';
import type { AuditRow } from '../../platform/audit';
import { paginate, type Page } from '../../platform/db/paginate';

export interface AuditFilter {
  tenantId?: string | undefined;
  actor?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function filtered(q: Knex, filter: AuditFilter): Knex.QueryBuilder {
  const query = q<AuditRow>('audit_log');
  if (filter.tenantId) query.where({ tenant_id: filter.tenantId });
  // the actor as the log names it (an address, token:name) or by its id (a staff user's, a token's)
  if (filter.actor) query.where((w) => w.where({ actor_id: filter.actor }).orWhere({ actor_ref: filter.actor }));
  if (filter.targetId) query.where({ target_id: filter.targetId });
  if (filter.action) {
    // `account.` or `account.*` matches every account action
    if (filter.action.endsWith('.') || filter.action.endsWith('.*')) {
      query.whereRaw(`action LIKE ? ESCAPE '\\'`, [`${filter.action.replace(/\*$/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    } else query.where({ action: filter.action });
  }
  if (filter.from) query.where('at', '>=', filter.from);
  if (filter.to) query.where('at', '<', filter.to);
  return query;
}

const withNumericId = (r: AuditRow): AuditRow => ({ ...r, id: Number(r.id) });

/** One page of the audit log in id (= time) order, after the id `afterId` (exports that stream). */
export async function auditPage(q: Knex, filter: AuditFilter, afterId: number, limit: number): Promise<AuditRow[]> {
  const rows: AuditRow[] = await filtered(q, filter).where('id', '>', afterId).orderBy('id').limit(limit);
  return rows.map(withNumericId);
}

/** A page of the audit log for lists: keyset on the id (ids increase with time; they are not gap-free). */
export async function listAuditEntries(
  q: Knex,
  filter: AuditFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AuditRow>> {
  const result = await paginate<AuditRow & Record<string, unknown>>(filtered(q, filter), { ...page, key: 'id', numeric: true });
  return { items: result.items.map(withNumericId), nextCursor: result.nextCursor };
}
