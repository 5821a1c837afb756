import type { Knex } from 'knex';

/**
 * Where inbound mail for an account goes (accounts.inbound_route, see migration 20261123000600):
 * `local` into its mailbox; `source` while it is being migrated and not switched yet, to the old
 * server: the relay host and port of the account's latest migration project (null when the project
 * has none configured: the mail waits in the spool).
 */
export type InboundRoute = { route: 'local' } | { route: 'source'; relay: { host: string; port: number } | null; projectId: string | null };

export async function inboundRouteOf(q: Knex, accountId: string): Promise<InboundRoute> {
  const account = await q('accounts').where({ id: accountId }).first('inbound_route');
  if (!account || account.inbound_route !== 'source') return { route: 'local' };
  const project = await q('migration_accounts as ma')
    .join('migration_projects as p', 'p.id', 'ma.project_id')
    .where('ma.account_id', accountId)
    .orderBy('ma.created_at', 'desc')
    .first('p.id as id', 'p.relay_host as relay_host', 'p.relay_port as relay_port');
  if (!project) return { route: 'source', relay: null, projectId: null };
  return {
    route: 'source',
    projectId: String(project.id),
    relay: project.relay_host && project.relay_port ? { host: String(project.relay_host), port: Number(project.relay_port) } : null,
  };
}
