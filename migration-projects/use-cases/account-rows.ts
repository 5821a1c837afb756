import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { nowIso } from '../../platform/db';
import { createSecretBox } from '../../platform/secrets';
import type { Config } from '../../platform/config';
import { csvError, parseAccountsCsv, type CsvRowError } from '../csv';
import {
  accountsInOtherProjects,
  tenantAccountsByAddress,
  type MigrationAccountRow,
  type ProjectRow,
} from '../repositories/migration-projects';
import { accountSecretContext } from '../processors/engine';

/**
 * CSV text → migration_accounts rows of one project: parses and checks every row (destination account
 * exists in the tenant and is not migrated by another project, no duplicate within the project), seals
 * per-account passwords. All or nothing: throws with every row's problem.
 */
export async function accountRowsFromCsv(
  trx: Knex.Transaction,
  config: Pick<Config, 'secretKey'>,
  project: Pick<ProjectRow, 'id' | 'tenant_id' | 'auth_method'>,
  csv: string,
  existing: { sourceUsers: Set<string>; accountIds: Set<string> } = { sourceUsers: new Set(), accountIds: new Set() },
): Promise<MigrationAccountRow[]> {
  const rows = parseAccountsCsv(csv, { requirePassword: project.auth_method === 'password' });
  const accounts = await tenantAccountsByAddress(
    trx,
    project.tenant_id,
    rows.map((r) => r.destination_address),
  );
  const busy = await accountsInOtherProjects(
    trx,
    [...accounts.values()].map((a) => a.id),
    project.id,
  );
  const errors: CsvRowError[] = [];
  for (const r of rows) {
    const acc = accounts.get(r.destination_address);
    if (!acc)
      errors.push({
        line: r.line,
        column: 'destination_address',
        message: `no account ${r.destination_address} in this tenant (create it first)`,
      });
    else if (acc.status === 'deleting')
      errors.push({ line: r.line, column: 'destination_address', message: `account ${r.destination_address} is being deleted` });
    else if (busy.has(acc.id))
      errors.push({
        line: r.line,
        column: 'destination_address',
        message: `account ${r.destination_address} is already being migrated by project ${busy.get(acc.id)}`,
      });
    else if (existing.accountIds.has(acc.id))
      errors.push({ line: r.line, column: 'destination_address', message: `account ${r.destination_address} is already in this project` });
    if (existing.sourceUsers.has(r.source_user.toLowerCase()))
      errors.push({ line: r.line, column: 'source_user', message: `${r.source_user} is already in this project` });
  }
  if (errors.length) throw csvError(errors);

  const box = createSecretBox(config.secretKey);
  const now = nowIso();
  return rows.map((r) => {
    const id = randomUUID();
    return {
      id,
      project_id: project.id,
      tenant_id: project.tenant_id,
      source_user: r.source_user,
      account_id: accounts.get(r.destination_address)!.id,
      destination_address: r.destination_address,
      source_password_sealed: r.source_password ? box.seal(r.source_password, accountSecretContext(id)) : null,
      status: 'pending',
      generation: 0,
      lease_owner: null,
      lease_until: null,
      phase: null,
      passes: 0,
      last_pass_at: null,
      last_pass_mode: null,
      messages_total: 0,
      messages_done: 0,
      bytes_done: 0,
      copied_total: 0,
      bytes_copied_total: 0,
      failed_messages: 0,
      missing_messages: null,
      last_report: null,
      verification_report: null,
      verified_at: null,
      switched_at: null,
      catchup_until: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    };
  });
}
