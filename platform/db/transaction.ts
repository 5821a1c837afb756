import type { Knex } from 'knex';
import { isRetryableTxError, type Db } from './index';

export interface UnitOfWork {
  trx: Knex.Transaction;
  /** Runs after the transaction has committed (queue jobs, Dovecot cache flushes): never for a rolled-back change. */
  afterCommit(fn: () => Promise<unknown> | unknown): void;
}

const MAX_TX_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction and then the after-commit hooks. Serialization failures
 * (PostgreSQL 40001/40P01, SQLite BUSY) are retried from the start, so `work` must be side-effect free
 * outside the transaction; side effects belong in afterCommit.
 */
export async function inTransaction<T>(
  db: Db,
  work: (uow: UnitOfWork) => Promise<T>,
  opts: { isolationLevel?: Knex.IsolationLevels } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const hooks: Array<() => Promise<unknown> | unknown> = [];
    let result: T;
    try {
      result = await db.transaction(
        (trx) => work({ trx, afterCommit: (fn) => hooks.push(fn) }),
        db.client.config.client === 'pg' && opts.isolationLevel ? { isolationLevel: opts.isolationLevel } : undefined,
      );
    } catch (e) {
      if (attempt < MAX_TX_ATTEMPTS && isRetryableTxError(e)) {
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
        continue;
      }
      throw e;
    }
    for (const hook of hooks) await hook();
    return result;
  }
}
