import { z } from 'zod';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { notFound } from '../../platform/errors';
import { findTenant } from '../../tenancy/repositories/tenants';
import { findSettings, saveSettings } from '../repositories/probes';
import { ProbeSettings, settingsOf } from '../shared/settings';
import { applyProbeSchedule } from '../shared/schedule';

export const setProbeSettingsInput = ProbeSettings.partial().extend({ tenantId: z.uuid() });

/**
 * Sets any of a tenant's probe figures (the others stay), audited as `probe.settings.updated`. The
 * tenant's probe schedule follows at once, after the commit.
 */
export async function setProbeSettings(ctx: Ctx, input: z.input<typeof setProbeSettingsInput>) {
  const { tenantId, ...patch } = setProbeSettingsInput.parse(input);
  assertTenantAccess(ctx.actor, tenantId, 'tenant');
  const result = await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    if (!(await findTenant(trx, tenantId))) throw notFound('tenant', tenantId);
    const { custom: _custom, ...before } = settingsOf(await findSettings(trx, tenantId));
    const after = { ...before, ...patch };
    await saveSettings(trx, {
      tenant_id: tenantId,
      enabled: after.enabled,
      every_seconds: after.everySeconds,
      delivery: after.delivery,
      availability_target: after.availabilityTarget,
      login_p95_target_ms: after.loginP95TargetMs,
      failures_to_open: after.failuresToOpen,
      slow_minutes_to_open: after.slowMinutesToOpen,
      updated_at: nowIso(),
    });
    await appendAudit(trx, ctx.actor, {
      action: 'probe.settings.updated',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      before,
      after,
    });
    afterCommit(() => applyProbeSchedule(ctx, tenantId, after));
    return after;
  });
  return { tenantId, ...result, custom: true };
}
