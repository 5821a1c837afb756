import { z } from 'zod';
import { assertTenantAccess } from '../../platform/actor';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { findTenant } from '../../tenancy/repositories/tenants';
import { loadSettings } from '../shared/settings';

export const getProbeSettingsInput = z.object({ tenantId: z.uuid() });

/** A tenant's probe interval and SLA target (`custom: false`: the platform's defaults). */
export async function getProbeSettings(ctx: Ctx, input: z.input<typeof getProbeSettingsInput>) {
  const { tenantId } = getProbeSettingsInput.parse(input);
  assertTenantAccess(ctx.actor, tenantId, 'tenant');
  if (!(await findTenant(ctx.db, tenantId))) throw notFound('tenant', tenantId);
  return { tenantId, ...(await loadSettings(ctx.db, tenantId)) };
}
