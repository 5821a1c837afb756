import { z } from 'zod';
import { assertTenantAccess } from '../../platform/actor';
import type { Ctx } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { findTenant } from '../../tenancy/repositories/tenants';
import { MAX_INCIDENTS_LISTED } from '../limits';
import { incidentsOverlapping } from '../repositories/probes';
import { presentIncident } from '../shared/presenters';

export const listIncidentsInput = z.object({
  /** one tenant's; without it every tenant's (operators and support only) */
  tenantId: z.uuid().optional(),
  open: z.boolean().default(false),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(MAX_INCIDENTS_LISTED).default(100),
});

/** Probe incidents that overlap [from, to) (default: the last 30 days), oldest first; `open` for the open ones only. */
export async function listIncidents(ctx: Ctx, input: z.input<typeof listIncidentsInput>) {
  const i = listIncidentsInput.parse(input);
  if (i.tenantId) assertTenantAccess(ctx.actor, i.tenantId, 'tenant');
  else if (ctx.actor.tenantId !== null) throw new AppError('forbidden', 'a tenant-scoped caller lists its own tenant’s incidents');
  const to = i.to ?? new Date(Date.now() + 60_000).toISOString();
  const from = i.from ?? new Date(Date.parse(to) - 30 * 86_400_000).toISOString();
  const rows = await incidentsOverlapping(ctx.db, { tenantId: i.tenantId ?? null, from, to, openOnly: i.open, limit: i.limit });
  const slugs = new Map<string, string>();
  for (const r of rows) if (!slugs.has(r.tenant_id)) slugs.set(r.tenant_id, (await findTenant(ctx.db, r.tenant_id))?.slug ?? '');
  return { items: rows.map((r) => presentIncident(r, slugs.get(r.tenant_id))) };
}
