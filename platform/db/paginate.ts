import type { Knex } from 'knex';
import { z } from 'zod';

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
  opts: { limit: number; cursor?: string | undefined; key?: string },
): Promise<Page<T>> {
  const key = opts.key ?? 'id';
  const q = query
    .clone()
    .orderBy(key)
    .limit(opts.limit + 1);
  if (opts.cursor) q.where(key, '>', Buffer.from(opts.cursor, 'base64url').toString('utf8'));
  const rows = (await q) as T[];
  const more = rows.length > opts.limit;
  const items = more ? rows.slice(0, opts.limit) : rows;
  const column = key.includes('.') ? key.split('.').pop()! : key;
  const last = items.at(-1);
  return { items, nextCursor: more && last ? Buffer.from(String(last[column]), 'utf8').toString('base64url') : null };
}
