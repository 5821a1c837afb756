import type { MigrationAccountRow, EventRow, ProjectRow } from './repositories/migration-projects';

/**
 * What the API and the CLI show. Sealed credentials never leave the repository layer: these views
 * only say which method is used and whether a secret is set.
 */
export function presentProject(p: ProjectRow, counts: Record<string, number> = {}) {
  return {
    id: p.id,
    tenantId: p.tenant_id,
    name: p.name,
    status: p.status,
    source: {
      host: p.source_host,
      port: p.source_port,
      security: p.source_security,
      insecure: p.source_insecure === 1,
    },
    auth: {
      method: p.auth_method,
      user: p.auth_user,
      style: p.master_style,
      credentialsSet: p.credentials_sealed !== null || p.auth_method === 'password',
    },
    options: JSON.parse(p.options) as Record<string, unknown>,
    deltaIntervalMinutes: p.delta_interval_ms === null ? null : p.delta_interval_ms / 60_000,
    cutoverAt: p.cutover_at,
    catchupWindowHours: p.catchup_window_ms / 3600_000,
    catchupIntervalSeconds: p.catchup_interval_ms / 1000,
    timeZone: p.time_zone,
    accounts: { total: Object.values(counts).reduce((a, b) => a + b, 0), byStatus: counts },
    createdBy: p.created_by,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  };
}
export type ProjectView = ReturnType<typeof presentProject>;

export function presentAccount(a: MigrationAccountRow) {
  return {
    id: a.id,
    projectId: a.project_id,
    sourceUser: a.source_user,
    accountId: a.account_id,
    destinationAddress: a.destination_address,
    status: a.status,
    phase: a.phase,
    passes: a.passes,
    lastPassAt: a.last_pass_at,
    lastPassMode: a.last_pass_mode,
    progress: { messagesTotal: a.messages_total, messagesDone: a.messages_done, bytesDone: a.bytes_done },
    copiedTotal: a.copied_total,
    bytesCopiedTotal: a.bytes_copied_total,
    failedMessages: a.failed_messages,
    missingMessages: a.missing_messages,
    verifiedAt: a.verified_at,
    switchedAt: a.switched_at,
    catchupUntil: a.catchup_until,
    lastError: a.last_error,
    updatedAt: a.updated_at,
  };
}
export type AccountView = ReturnType<typeof presentAccount>;

export function presentEvent(e: EventRow) {
  return {
    id: e.id,
    accountId: e.migration_account_id,
    at: e.at,
    kind: e.kind,
    message: e.message,
    data: e.data ? (JSON.parse(e.data) as unknown) : null,
  };
}
