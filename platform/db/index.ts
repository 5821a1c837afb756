import knex, { type Knex } from 'knex';
import pg from 'pg';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { AuditSettings } from '../audit-key';
import { migrationSource } from './migrations';

export type { Knex };
export type Db = Knex;
/** A transaction: what use cases hand to repositories inside inTransaction (a Db too). */
export type Trx = Knex.Transaction;

// int8 (bigint) columns hold byte counts; they stay far below 2^53, so numbers are safe and simpler than strings.
pg.types.setTypeParser(20, (v: string) => Number(v));
// numeric (sums of bigints) likewise
pg.types.setTypeParser(1700, (v: string) => Number(v));

/** SQLite waits this long for another writer (another Postwerk process, Dovecot never writes) before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * The SQLite file holds password hashes and sealed secrets: owner read-write, group read (Dovecot's auth
 * process reads the user view through the group; the stack creates the file with group dovecot), nobody
 * else. SQLite gives the -wal and -shm files it creates the database file's mode (and owner and group,
 * when it runs as root), so they follow.
 */
const SQLITE_FILE_MODE = 0o640;

/**
 * The database file exists with SQLITE_FILE_MODE before SQLite opens it: created so when missing (SQLite
 * itself would create it 0644), and an older file that others may read (and its -wal/-shm) loses those
 * bits. The group is left as it is.
 */
export function prepareSqliteFile(filename: string): void {
  fs.mkdirSync(path.dirname(filename), { recursive: true, mode: 0o755 });
  const fd = fs.openSync(filename, fs.constants.O_RDWR | fs.constants.O_CREAT, SQLITE_FILE_MODE);
  try {
    if ((fs.fstatSync(fd).mode & 0o777) !== SQLITE_FILE_MODE) fs.fchmodSync(fd, SQLITE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
  for (const side of [`${filename}-wal`, `${filename}-shm`]) {
    try {
      if ((fs.statSync(side).mode & 0o777) !== SQLITE_FILE_MODE) fs.chmodSync(side, SQLITE_FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/**
 * Error messages carry the SQL with its placeholders, not with the bound values interpolated (knex's
 * default): a failed insert of a staff user would otherwise put the password hash into the log line.
 */
const NO_BINDINGS_IN_ERRORS = { compileSqlOnError: false } as const;

interface SqliteConnection {
  pragma: (sql: string) => unknown;
  prepare: (sql: string) => unknown;
}

/**
 * knex's better-sqlite3 client prepares every statement again at each call; the SQL it builds for one
 * query shape is always the same text, so the connection keeps the last PREPARED_STATEMENTS_CACHED
 * statements by text. A statement runs to completion synchronously (knex calls all() or run()), so
 * one statement object is never used by two queries at once; SQLite re-prepares it after a schema
 * change by itself. Measured in bench/ingress.ts: preparing was about a fifth of the SQL time.
 */
const PREPARED_STATEMENTS_CACHED = 500;
function cachePreparedStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (stmt) {
      // most recently used last: the first key is the one to drop
      cache.delete(sql);
    } else {
      stmt = prepare(sql);
      if (cache.size >= PREPARED_STATEMENTS_CACHED) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, stmt);
    return stmt;
  };
}

/**
 * The audit chain's key and heads file travel with the handle (and every transaction of it, which shares
 * the knex config), so appendAudit(trx, …) finds them without a global. A handle made without them (file
 * checks, migration round trips) can read but not append audit entries.
 */
export const AUDIT_SETTINGS = 'postwerkAudit';

export function createDb(config: Pick<Config, 'db'> & { audit?: AuditSettings }): Db {
  const db = config.db;
  const audit = config.audit ? { [AUDIT_SETTINGS]: config.audit } : {};
  if (db.client === 'sqlite') {
    prepareSqliteFile(db.filename);
    return knex({
      ...audit,
      // better-sqlite3 runs each statement on the calling thread, in microseconds; the sqlite3 driver sends
      // every one through libuv's thread pool, where it queues behind the spool's writes and fsyncs.
      client: 'better-sqlite3',
      ...NO_BINDINGS_IN_ERRORS,
      connection: { filename: db.filename },
      useNullAsDefault: true,
      // One connection: SQLite has one writer anyway, and one connection makes every transaction in this
      // process strictly serial, so read-check-write sequences (pool allocation) cannot interleave.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            cachePreparedStatements(conn);
            // WAL lets Dovecot's auth process read the user view while Postwerk writes.
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
            conn.pragma('synchronous = NORMAL');
            done(null, conn);
          } catch (e) {
            done(e as Error, conn);
          }
        },
      },
    });
  }
  return knex({
    ...audit,
    client: 'pg',
    ...NO_BINDINGS_IN_ERRORS,
    connection: db.url,
    pool: { min: 0, max: db.poolMax },
  });
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === 'pg';
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** True when the error is a unique-constraint violation, on either database. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(err?.message ?? '');
}

/** True when a transaction lost a serialization race and may simply be run again. */
export function isRetryableTxError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '40001' ||
    err?.code === '40P01' ||
    /^SQLITE_BUSY/.test(err?.code ?? '') ||
    /SQLITE_BUSY|database is locked/.test(err?.message ?? '')
  );
}

export const nowIso = (): string => new Date().toISOString();
