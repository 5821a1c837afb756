import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, conflict, notFound } from '../../platform/errors';
import { requirePermission } from '../../platform/permissions';
import { createSecretBox } from '../../platform/secrets';
import { DEFAULT_CATCHUP_INTERVAL_MS, DEFAULT_CATCHUP_WINDOW_MS } from '../limits';
import { presentProject, type ProjectView } from '../presenters';
import { insertAccounts, insertProject, projectNameTaken, setInboundRoute, type ProjectRow } from '../repositories/migration-projects';
import { createProjectSchema, type CreateProjectInput } from '../schemas';
import { projectSecretContext } from '../processors/engine';
import { accountRowsFromCsv } from './account-rows';
import { assertPublicSource } from './common';

/**
 * Creates a migration project of a tenant with its accounts (CSV). Source credentials are sealed before
 * they reach the database; the destination accounts' inbound mail is routed to the source server until
 * their cut-over.
 */
export async function createMigrationProject(ctx: Ctx, tenantId: string, rawInput: CreateProjectInput): Promise<ProjectView> {
  requirePermission(ctx.actor, 'migration.write');
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const input = createProjectSchema.parse(rawInput);
  if (input.auth.method === 'xoauth2' && ctx.actor.role !== 'operator')
    throw new AppError('forbidden', 'only operators may set an XOAUTH2 token command: it runs on the migration workers');

  await assertPublicSource(ctx, input.source);

  return inTransaction(ctx.db, async ({ trx }) => {
    const tenant = await trx('tenants').where({ id: tenantId }).first('id');
    if (!tenant) throw notFound('tenant', tenantId);
    if (await projectNameTaken(trx, tenantId, input.name))
      throw conflict(`the tenant already has a migration project named "${input.name}"`);

    const id = randomUUID();
    const now = nowIso();
    const box = createSecretBox(ctx.config.secretKey);
    const auth = input.auth;
    const secret =
      auth.method === 'master' ? { password: auth.password } : auth.method === 'xoauth2' ? { tokenCommand: auth.tokenCommand } : null;
    const project: ProjectRow = {
      id,
      tenant_id: tenantId,
      name: input.name,
      source_host: input.source.host,
      source_port: input.source.port,
      source_security: input.source.security,
      source_insecure: input.source.insecure ? 1 : 0,
      relay_host: input.source.smtpRelay?.host ?? null,
      relay_port: input.source.smtpRelay?.port ?? null,
      auth_method: auth.method,
      auth_user: auth.method === 'master' ? auth.user : null,
      master_style: auth.method === 'master' ? auth.style : null,
      master_separator: auth.method === 'master' ? auth.separator : null,
      credentials_sealed: secret ? box.seal(JSON.stringify(secret), projectSecretContext(id)) : null,
      options: JSON.stringify(input.options),
      delta_interval_ms: null,
      cutover_at: null,
      cutover_generation: 0,
      catchup_window_ms:
        input.catchupWindowHours !== undefined ? Math.round(input.catchupWindowHours * 3600_000) : DEFAULT_CATCHUP_WINDOW_MS,
      catchup_interval_ms: input.catchupIntervalSeconds !== undefined ? input.catchupIntervalSeconds * 1000 : DEFAULT_CATCHUP_INTERVAL_MS,
      time_zone: input.timeZone,
      status: 'active',
      created_by: ctx.actor.label,
      created_at: now,
      updated_at: now,
    };
    await insertProject(trx, project);
    const accounts = await accountRowsFromCsv(trx, ctx.config, project, input.accountsCsv);
    await insertAccounts(trx, accounts);
    await setInboundRoute(
      trx,
      accounts.map((a) => a.account_id),
      'source',
    );
    await appendAudit(trx, ctx.actor, {
      action: 'migration.project.created',
      tenantId,
      target: { type: 'migration_project', id },
      after: {
        name: project.name,
        source: `${project.source_host}:${project.source_port} (${project.source_security}${project.source_insecure ? ', insecure' : ''})`,
        authMethod: project.auth_method,
        authUser: project.auth_user,
        options: input.options,
        accounts: accounts.map((a) => ({ sourceUser: a.source_user, destination: a.destination_address })),
      },
    });
    const counts: Record<string, number> = accounts.length ? { pending: accounts.length } : {};
    return presentProject(project, counts);
  });
}
