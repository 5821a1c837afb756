import type { Knex } from 'knex';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { notFound } from '../../platform/errors';
import { assertPublicHost } from '../../platform/outbound';
import { requirePermission, type Permission } from '../../platform/permissions';
import { findProject, type ProjectRow } from '../repositories/migration-projects';

/** Authorizes the actor and loads the tenant's project; another tenant's project is "not found". */
export async function loadProject(
  ctx: Ctx,
  q: Knex | Knex.Transaction,
  tenantId: string,
  projectId: string,
  permission: Permission,
  opts: { forUpdate?: boolean } = {},
): Promise<ProjectRow> {
  requirePermission(ctx.actor, permission);
  assertTenantAccess(ctx.actor, tenantId, 'migration project', projectId);
  const project = await findProject(q, tenantId, projectId, opts);
  if (!project) throw notFound('migration project', projectId);
  return project;
}

/** Plain-language list of account addresses for error messages, shortened. */
export function listSome(items: string[], max = 5): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}

/**
 * A tenant's migration engineer names the source server (and the relay for inbound mail): unless the
 * operator allows it, it may not be on loopback or a private range, or a project would make the
 * workers probe the provider's own network (SSRF).
 */
export async function assertPublicSource(ctx: Ctx, source: { host: string; smtpRelay?: { host: string } | undefined }): Promise<void> {
  const opts = { allowPrivate: ctx.config.migrationAllowPrivate, setting: 'POSTWERK_MIGRATION_ALLOW_PRIVATE' };
  await assertPublicHost(source.host, opts);
  if (source.smtpRelay) await assertPublicHost(source.smtpRelay.host, opts);
}
