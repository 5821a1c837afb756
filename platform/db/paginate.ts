import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Keyset pagination: lists are ordered by a unique, sortable column (the id, or `created_at|id`), and
 * the cursor is the last key of the page, so a page is one index range scan however deep it is.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The page part of every list's input: how many, and the cursor of the previous page. */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export async function paginate<T extends Record<string, unknown>>(
  query: Knex.QueryBuilder,
  opts: {
    limit: number;
    cursor?: string | undefined;
    key?: string;
    /** newest first (`desc`) for logs read from the end */
    order?: 'asc' | 'desc';
    /** the key is a number (ids): the cursor is compared as one, and must be a positive integer */
    numeric?: boolean;
  },
): Promise<Page<T>> {
  const key = opts.key ?? 'id';
  const order = opts.order ?? 'asc';
  const q = query
    .clone()
    .orderBy(key, order)
    .limit(opts.limit + 1);
  const after = opts.cursor ? decodeCursor(opts.cursor, opts.numeric ?? false) : undefined;
  if (after !== undefined) q.where(key, order === 'asc' ? '>' : '<', after);
  const rows = (await q) as T[];
  const more = rows.length > opts.limit;
  const items = more ? rows.slice(0, opts.limit) : rows;
  const column = key.includes('.') ? key.split('.').pop()! : key;
  const last = items.at(-1);
  return { items, nextCursor: more && last ? Buffer.from(String(last[column]), 'utf8').toString('base64url') : null };
}

/**
 * A cursor is one this API gave out: base64url of the last key. Anything else (hand-edited, truncated,
 * a NUL that PostgreSQL refuses in text, an id past the integer range) is the caller's mistake: 400.
 */
function decodeCursor(cursor: string, numeric: boolean): string | number {
  const bad = () =>
    new AppError(
      'validation_failed',
      `cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this list gave out: start from the first page (no cursor)`,
    );
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text || Buffer.from(text, 'utf8').toString('base64url') !== cursor || text.includes('\0') || text.includes('\ufffd')) throw bad();
  if (!numeric) return text;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0 || String(n) !== text) throw bad();
  return n;
}
