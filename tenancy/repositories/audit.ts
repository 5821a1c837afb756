import type { Knex } from 'knex';
import type { AuditRow } from '../../platform/audit';

export interface AuditFilter {
  tenantId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** One page of the audit log in id (= time) order, after the id `afterId`. */
export async function auditPage(q: Knex, filter: AuditFilter, afterId: number, limit: number): Promise<AuditRow[]> {
  const query = q<AuditRow>('audit_log').where('id', '>', afterId).orderBy('id').limit(limit);
  if (filter.tenantId) query.where({ tenant_id: filter.tenantId });
  if (filter.actor) query.where({ actor_id: filter.actor });
  if (filter.action) {
    // `account.` or `account.*` matches every account action
    if (filter.action.endsWith('.') || filter.action.endsWith('.*')) {
      query.whereRaw(`action LIKE ? ESCAPE '\\'`, [`${filter.action.replace(/\*$/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    } else query.where({ action: filter.action });
  }
  if (filter.from) query.where('at', '>=', filter.from);
  if (filter.to) query.where('at', '<', filter.to);
  const rows = await query;
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
