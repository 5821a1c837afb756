import { z } from 'zod';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { ANNOTATION_MAX } from '../limits';
import * as repo from '../repositories/probes';
import { presentIncident } from '../shared/presenters';

export const annotateIncidentInput = z
  .object({
    tenantId: z.uuid(),
    incidentId: z.uuid(),
    cause: z.string().trim().min(1).max(ANNOTATION_MAX).nullable().optional(),
    fix: z.string().trim().min(1).max(ANNOTATION_MAX).nullable().optional(),
  })
  .refine((i) => i.cause !== undefined || i.fix !== undefined, { message: 'give a cause, a fix or both' });

/**
 * An operator's problem record on an incident: its cause and its fix (either may be set again, or
 * cleared with null), with who wrote it and when; audited as `probe.incident.annotated` with before
 * and after. An incident of another tenant answers 404, as a missing one.
 */
export async function annotateIncident(ctx: Ctx, input: z.input<typeof annotateIncidentInput>) {
  const i = annotateIncidentInput.parse(input);
  assertTenantAccess(ctx.actor, i.tenantId, 'incident', i.incidentId);
  return inTransaction(ctx.db, async ({ trx }) => {
    const before = await repo.findIncident(trx, i.incidentId);
    if (!before || before.tenant_id !== i.tenantId) throw notFound('incident', i.incidentId);
    const patch = {
      cause: i.cause === undefined ? before.cause : i.cause,
      fix: i.fix === undefined ? before.fix : i.fix,
      annotated_by: ctx.actor.label,
      annotated_at: nowIso(),
    };
    await repo.annotateIncident(trx, i.incidentId, patch);
    await appendAudit(trx, ctx.actor, {
      action: 'probe.incident.annotated',
      tenantId: i.tenantId,
      target: { type: 'probe_incident', id: i.incidentId },
      before: { cause: before.cause, fix: before.fix },
      after: { cause: patch.cause, fix: patch.fix },
    });
    return presentIncident({ ...before, ...patch });
  });
}
