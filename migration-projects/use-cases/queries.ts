import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { notFound } from '../../platform/errors';
import type { Page } from '../../platform/db/paginate';
import { requirePermission } from '../../platform/permissions';
import type { MigrationReport, VerificationReport } from '../../migrator';
import { presentAccount, presentEvent, presentProject, type AccountView, type ProjectView } from '../presenters';
import {
  findAccount,
  listAccounts,
  listEvents,
  listProjects,
  resolveProjectId,
  resolveTenantId,
  statusCounts,
} from '../repositories/migration-projects';
import { loadProject } from './common';

/** Read side of migration projects: lists, progress per account, reports, history. */
export async function listMigrationProjects(
  ctx: Ctx,
  tenantId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<ProjectView>> {
  requirePermission(ctx.actor, 'migration.read');
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const p = await listProjects(ctx.db, tenantId, page);
  const counts = await statusCounts(
    ctx.db,
    p.items.map((x) => x.id),
  );
  return { items: p.items.map((x) => presentProject(x, counts.get(x.id))), nextCursor: p.nextCursor };
}

export async function getMigrationProject(ctx: Ctx, tenantId: string, projectId: string): Promise<ProjectView> {
  const project = await loadProject(ctx, ctx.db, tenantId, projectId, 'migration.read');
  const counts = await statusCounts(ctx.db, [projectId]);
  return presentProject(project, counts.get(projectId));
}

export async function listMigrationAccounts(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<AccountView>> {
  await loadProject(ctx, ctx.db, tenantId, projectId, 'migration.read');
  const p = await listAccounts(ctx.db, projectId, page);
  return { items: p.items.map(presentAccount), nextCursor: p.nextCursor };
}

export interface AccountReport {
  account: AccountView;
  /** The last verification (at cut-over): per folder counts, missing messages, manifest digest. */
  verification: VerificationReport | null;
  /** The engine's report of the last pass. */
  lastPass: MigrationReport | null;
}

export async function getMigrationAccountReport(ctx: Ctx, tenantId: string, projectId: string, accountId: string): Promise<AccountReport> {
  await loadProject(ctx, ctx.db, tenantId, projectId, 'migration.read');
  const a = await findAccount(ctx.db, projectId, accountId);
  if (!a) throw notFound('migration account', accountId);
  return {
    account: presentAccount(a),
    verification: a.verification_report ? (JSON.parse(a.verification_report) as VerificationReport) : null,
    lastPass: a.last_report ? (JSON.parse(a.last_report) as MigrationReport) : null,
  };
}

export async function listMigrationEvents(
  ctx: Ctx,
  tenantId: string,
  projectId: string,
  opts: { accountId?: string; limit: number; cursor?: string },
) {
  await loadProject(ctx, ctx.db, tenantId, projectId, 'migration.read');
  const p = await listEvents(ctx.db, projectId, opts);
  return { items: p.items.map(presentEvent), nextCursor: p.nextCursor };
}

/** CLI helper: tenant by id or slug, project by id or name; both answer "not found" like the API. */
export async function resolveProjectRef(
  ctx: Ctx,
  tenantRef: string,
  projectRef?: string,
): Promise<{ tenantId: string; projectId: string }> {
  const tenantId = await resolveTenantId(ctx.db, tenantRef);
  if (!tenantId) throw notFound('tenant', tenantRef);
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantRef);
  if (projectRef === undefined) return { tenantId, projectId: '' };
  const projectId = await resolveProjectId(ctx.db, tenantId, projectRef);
  if (!projectId) throw notFound('migration project', projectRef);
  return { tenantId, projectId };
}
