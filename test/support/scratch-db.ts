import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { createDb, migrateLatest, type Db } from '../../platform/db';
import { testConfig, uniq } from './env';

/**
 * A throwaway database of the kind the test run uses (SQLite file or a fresh PostgreSQL database), for
 * tests that must not disturb the shared one: migration round trips, tampering with the audit log.
 */
export async function scratchDb(opts: { migrate?: boolean } = {}): Promise<{ db: Db; drop: () => Promise<void> }> {
  const config = testConfig();
  // the platform's audit key, and a heads file of the scratch database's own (in its folder)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-scratch-'));
  const audit = { keys: config.audit.keys, headsFile: path.join(dir, 'audit', 'heads.log') };
  if (config.db.client === 'sqlite') {
    const db = createDb({ db: { client: 'sqlite', filename: path.join(dir, 'scratch.db'), poolMax: 1 }, audit });
    if (opts.migrate !== false) await migrateLatest(db);
    return {
      db,
      drop: async () => {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = uniq('scratch_');
  const admin = knex({ client: 'pg', connection: config.db.url, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(config.db.url);
  url.pathname = `/${name}`;
  const db = createDb({ db: { client: 'postgres', url: url.toString(), poolMax: 4 }, audit });
  if (opts.migrate !== false) await migrateLatest(db);
  return {
    db,
    drop: async () => {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
