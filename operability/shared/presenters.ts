import type { IncidentRow } from '../repositories/rows';

/** An incident as the API, the CLI and the webhooks show it. */
export function presentIncident(r: IncidentRow, tenantSlug?: string) {
  const end = r.closed_at ? Date.parse(r.closed_at) : Date.now();
  return {
    id: r.id,
    tenantId: r.tenant_id,
    ...(tenantSlug !== undefined ? { tenant: tenantSlug } : {}),
    kind: r.kind,
    step: r.step,
    error: r.error,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    open: r.closed_at === null,
    minutes: Math.max(0, Math.round((end - Date.parse(r.opened_at)) / 6000) / 10),
    cause: r.cause,
    fix: r.fix,
    annotatedBy: r.annotated_by,
    annotatedAt: r.annotated_at,
  };
}
export type PresentedIncident = ReturnType<typeof presentIncident>;
