import { z } from 'zod';
import { route, uuidParam } from '../route';
import { slaReport } from '../../../operability/use-cases/sla-report';
import { getProbeSettings } from '../../../operability/use-cases/get-probe-settings';
import { setProbeSettings, setProbeSettingsInput } from '../../../operability/use-cases/set-probe-settings';
import { listIncidents } from '../../../operability/use-cases/list-incidents';
import { annotateIncident } from '../../../operability/use-cases/annotate-incident';

/**
 * SLA, probes and incidents (operability/): a tenant's report per month, week or day, its target and
 * probe interval, its incidents and the operators' annotations, and every tenant's open incidents.
 */
const TenantParams = z.strictObject({ tenantId: uuidParam });
const IncidentParams = z.strictObject({ tenantId: uuidParam, incidentId: uuidParam });
const ReportQuery = z.strictObject({ month: z.string().optional(), week: z.string().optional(), day: z.string().optional() });
const IncidentsQuery = z.strictObject({
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const SettingsBody = setProbeSettingsInput.omit({ tenantId: true });
const AnnotationBody = z.strictObject({
  cause: z.string().max(2000).nullable().optional(),
  fix: z.string().max(2000).nullable().optional(),
});
/** Shapes documented by their use case's TypeScript type. */
const typed = <T>() => z.custom<T>(() => true);

export const slaRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/sla',
    summary:
      'SLA report of a month (?month=2026-11), ISO week (?week=2026-W48) or day (?day=2026-11-05): availability, p50/p95/p99 per probe step, minutes in breach, days, incidents',
    tags: ['sla'],
    permission: 'sla.read',
    params: TenantParams,
    query: ReportQuery,
    response: typed<Awaited<ReturnType<typeof slaReport>>>(),
    handler: (ctx, { params, query }) => slaReport(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/sla/target',
    summary: "The tenant's SLA target and probe settings (interval, delivery probe, incident thresholds)",
    tags: ['sla'],
    permission: 'sla.read',
    params: TenantParams,
    response: typed<Awaited<ReturnType<typeof getProbeSettings>>>(),
    handler: (ctx, { params }) => getProbeSettings(ctx, { tenantId: params.tenantId }),
  }),
  route({
    method: 'put',
    path: '/tenants/:tenantId/sla/target',
    summary: "Set any of the tenant's SLA target and probe settings (the others stay); the probe schedule follows at once",
    tags: ['sla'],
    permission: 'sla.write',
    params: TenantParams,
    body: SettingsBody,
    response: typed<Awaited<ReturnType<typeof setProbeSettings>>>(),
    handler: (ctx, { params, body }) => setProbeSettings(ctx, { ...body, tenantId: params.tenantId }),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/incidents',
    summary: "The tenant's probe incidents overlapping [from, to) (default the last 30 days), oldest first",
    tags: ['sla'],
    permission: 'sla.read',
    params: TenantParams,
    query: IncidentsQuery,
    response: typed<Awaited<ReturnType<typeof listIncidents>>>(),
    handler: (ctx, { params, query }) => listIncidents(ctx, { ...query, tenantId: params.tenantId }),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId/incidents/:incidentId',
    summary: 'Annotate an incident with its cause and fix, as in a problem record (operators; audited)',
    tags: ['sla'],
    permission: 'incident.annotate',
    params: IncidentParams,
    body: AnnotationBody,
    response: typed<Awaited<ReturnType<typeof annotateIncident>>>(),
    handler: (ctx, { params, body }) => annotateIncident(ctx, { ...body, ...params }),
  }),
  route({
    method: 'get',
    path: '/incidents',
    summary: "Every tenant's probe incidents (?open=true: the open ones), oldest first (operators and support)",
    tags: ['sla'],
    permission: 'system.read',
    query: IncidentsQuery,
    response: typed<Awaited<ReturnType<typeof listIncidents>>>(),
    handler: (ctx, { query }) => listIncidents(ctx, query),
  }),
];
