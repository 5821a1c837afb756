import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { createSecretBox } from '../../platform/secrets';
import { authorize, loadTenant } from '../../tenancy/shared/support';
import { assertFilter } from '../ldap/client';
import { findConnection, upsertConnection, type ConnectionRow } from '../repositories/connections';
import { bindPasswordContext, connectionInput, presentConnection, type ConnectionInput, type ConnectionView } from '../shared/settings';

export { connectionInput as setConnectionInput };

/**
 * Creates or replaces a tenant's directory connection. The bind password is sealed with the platform
 * key (as migration credentials are) before it reaches the database, and bound to the tenant's row;
 * left out on a change, the stored one is kept. Nothing is contacted here: "test connection" does that.
 */
export async function setConnection(ctx: Ctx, tenantId: string, raw: ConnectionInput): Promise<ConnectionView> {
  authorize(ctx, 'directory.write', tenantId);
  const input = connectionInput.parse(raw);
  assertFilter(input.userFilter);
  if (input.enabledMode === 'attribute' && (!input.enabledAttribute || input.disabledValues.length === 0))
    throw invalid('enabledMode "attribute" needs enabledAttribute and at least one of disabledValues', [
      { path: 'enabledAttribute', message: 'required with enabledMode "attribute"' },
    ]);
  if (input.startTls && input.url.toLowerCase().startsWith('ldaps:'))
    throw invalid('StartTLS is for ldap:// URLs; ldaps:// is TLS from the start', [{ path: 'startTls', message: 'not with ldaps://' }]);
  return inTransaction(ctx.db, async ({ trx }) => {
    await loadTenant(trx, ctx, tenantId);
    const before = await findConnection(trx, tenantId);
    if (!before && !input.bindPassword)
      throw invalid('a new directory connection needs its bind password', [{ path: 'bindPassword', message: 'required' }]);
    const now = nowIso();
    const row: ConnectionRow = {
      tenant_id: tenantId,
      url: input.url,
      start_tls: input.startTls ? 1 : 0,
      ca_pem: input.caPem,
      bind_dn: input.bindDn,
      bind_password_sealed: input.bindPassword
        ? createSecretBox(ctx.config.secretKey).seal(input.bindPassword, bindPasswordContext(tenantId))
        : before!.bind_password_sealed,
      base_dn: input.baseDn,
      user_filter: input.userFilter,
      group_dn: input.groupDn,
      group_mode: input.groupMode,
      mail_attribute: input.mailAttribute,
      name_attribute: input.nameAttribute,
      alias_attribute: input.aliasAttribute,
      id_attribute: input.idAttribute,
      login_attribute: input.loginAttribute,
      enabled_mode: input.enabledMode,
      enabled_attribute: input.enabledAttribute,
      disabled_values: JSON.stringify(input.disabledValues.map((v) => v.toLowerCase())),
      default_allocation_bytes: input.defaultAllocationBytes,
      sign_in: input.signIn ? 1 : 0,
      sync_every_minutes: input.syncEveryMinutes,
      last_sync_at: before?.last_sync_at ?? null,
      last_sync_status: before?.last_sync_status ?? null,
      last_sync_result: before?.last_sync_result ?? null,
      created_at: before?.created_at ?? now,
      updated_at: now,
    };
    await upsertConnection(trx, row);
    const after = presentConnection(row);
    await appendAudit(trx, ctx.actor, {
      action: before ? 'directory.connection.updated' : 'directory.connection.created',
      tenantId,
      target: { type: 'directory_connection', id: tenantId },
      ...(before ? { before: presentConnection(before) } : {}),
      after: { ...after, lastSync: undefined, ...(input.bindPassword ? { bindPasswordChanged: true } : {}) },
    });
    return after;
  });
}
