import { Writable } from 'node:stream';
import { isPostgres, type Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { createLogger } from '../../platform/logger';
import { testConfig, testDb, uniq } from '../support/env';

/**
 * What reaches a log line: never a password hash (under the column's own name, at any usual depth), and
 * never the values bound to a SQL statement that failed, in the message (knex would interpolate them),
 * in the stack, or in PostgreSQL's error detail ("Failing row contains (…)").
 */
const HASH = `{BLF-CRYPT}$2b$04$${'Q'.repeat(22)}${uniq('hash')}`;
const BOUND = `bound-${uniq('value')}`;

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), text: () => lines.join('\n'), lines };
}

/** Runs the query, which must fail, and returns its error. */
async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('the query was expected to fail');
}

describe(`log redaction (${testConfig().db.client})`, () => {
  let db: Db;
  const table = uniq('log_redaction_');
  beforeAll(async () => {
    db = testDb();
    await db.schema.createTable(table, (t) => {
      t.string('k', 200).primary();
      t.string('v', 200).notNullable();
      t.string('password_hash', 300);
    });
  });
  afterAll(async () => {
    await db.schema.dropTableIfExists(table);
    await db.destroy();
  });

  it('hides password_hash at the top, in a row and in a list of rows', () => {
    const { logger, text, lines } = capture();
    const row = { id: 'a1', email: 'alice@example.test', password_hash: HASH };
    logger.info({ password_hash: HASH }, 'top');
    logger.info({ row }, 'row');
    logger.info({ rows: [row] }, 'rows');
    logger.info({ result: { staff: row } }, 'nested');

    expect(lines).toHaveLength(4);
    expect(text()).not.toContain(HASH);
    expect(text()).not.toContain('$2b$');
    // only the secret goes: the rest of the row stays readable
    expect(JSON.parse(lines[1]!).row).toEqual({ id: 'a1', email: 'alice@example.test', password_hash: '[redacted]' });
    expect(JSON.parse(lines[3]!).result.staff.password_hash).toBe('[redacted]');
  });

  it('keeps the bound values of a failed insert out of the message, the stack and the detail', async () => {
    const { logger, text } = capture();
    // NOT NULL violation: PostgreSQL's detail quotes the whole row, hash included
    const notNull = await failure(() => db(table).insert({ k: BOUND, v: null, password_hash: HASH }));
    await db(table).insert({ k: BOUND, v: 'x', password_hash: HASH });
    // unique violation: PostgreSQL's detail quotes the key ("Key (k)=(…) already exists")
    const duplicate = await failure(() => db(table).insert({ k: BOUND, v: 'y', password_hash: HASH }));

    for (const e of [notNull, duplicate]) {
      // the statement is still there, with placeholders where the values were
      expect(e.message).toMatch(new RegExp(`insert into .${table}.`));
      expect(e.message).not.toContain(BOUND);
      expect(e.message).not.toContain(HASH);
      logger.error({ err: e }, 'query failed');
      logger.warn({ err: e.message }, 'query failed (message only)');
      // as the API's error handler sees it: wrapped, with the database error as the cause
      logger.error({ err: new AppError('internal', 'internal error', undefined, { cause: e }) }, 'request failed');
    }
    if (isPostgres(db)) expect((duplicate as Error & { detail?: string }).detail).toContain(BOUND); // what redaction must hide

    expect(text()).toContain(`insert into`);
    expect(text()).not.toContain(BOUND);
    expect(text()).not.toContain(HASH);
  });

  it('keeps a bound value that PostgreSQL quotes in its message out of the log', async () => {
    const { logger, text } = capture();
    // PostgreSQL: 'invalid input syntax for type uuid: "<value>"'; SQLite has no such check, the query
    // fails on a missing table instead, with the value only among the (unprinted) bindings
    const e = isPostgres(db)
      ? await failure(() => db.raw('select ?::uuid as id', [BOUND]))
      : await failure(() => db.raw(`select ? as id from ${table}_missing`, [BOUND]));
    if (isPostgres(db)) expect(e.message).toContain(BOUND); // the database itself quotes it
    logger.error({ err: e }, 'query failed');
    logger.warn({ err: e.message }, 'query failed (message only)');

    expect(text()).toContain('select');
    expect(text()).not.toContain(BOUND);
  });
});
