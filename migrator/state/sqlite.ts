// The standalone CLI's state: a local SQLite file holding only the migrator's tables.
import knexFactory, { type Knex } from 'knex';
import { up } from '../../platform/db/migrations/20261123000500_migrator_state';
import { up as upMarkers } from '../../platform/db/migrations/20261203163000_migrator_noop_markers';
import { KnexStateStore } from './knex-store';

export async function openSqliteStateStore(file: string): Promise<{ store: KnexStateStore; knex: Knex; close: () => Promise<void> }> {
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  await knex.raw('PRAGMA journal_mode = WAL');
  await knex.raw('PRAGMA synchronous = NORMAL');
  await knex.raw('PRAGMA foreign_keys = ON');
  await up(knex); // idempotent: guarded by hasTable
  await upMarkers(knex); // idempotent: guarded by hasColumn
  return { store: new KnexStateStore(knex), knex, close: () => knex.destroy() };
}
