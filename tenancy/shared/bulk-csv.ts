import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { isAppError } from '../../platform/errors';
import { passwordProblem } from '../../platform/passwords';
import { MAX_BULK_ROWS, MAX_DISPLAY_NAME, NO_CONTROL_CHARACTERS } from '../limits';
import { parseAddress, type ParsedAddress } from './addresses';
import { passwordContext } from './provision-account';

/**
 * The CSV of a bulk account import, parsed and checked row by row without touching the database.
 *
 *   address,display_name,password,allocation_bytes,status
 *   alice@example.com,Alice Example,S3cure-enough!,1073741824,active
 *
 * `address` is required; the other columns are optional (a row for an existing account changes only
 * what it gives; a new account needs a password). Rows are numbered from 1 for the first data row;
 * `line` is the line in the file (the header is line 1).
 */
export const BULK_COLUMNS = ['address', 'display_name', 'password', 'allocation_bytes', 'status'] as const;
export type BulkColumn = (typeof BULK_COLUMNS)[number];

export interface RowError {
  row: number | null;
  line: number | null;
  column: BulkColumn | null;
  message: string;
}

export interface BulkRow {
  row: number;
  line: number;
  parsed: ParsedAddress;
  displayName?: string | undefined;
  password?: string | undefined;
  allocationBytes?: number | undefined;
  status?: 'active' | 'suspended' | undefined;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** One row's cells, by column name (columns the file does not have are absent). */
export const BulkRowSchema = z.strictObject({
  address: z.string({ error: 'is required' }).min(1, 'is required'),
  display_name: z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(MAX_DISPLAY_NAME, `must be at most ${MAX_DISPLAY_NAME} characters`)
      .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters or line breaks')
      .optional(),
  ),
  password: z.preprocess(blankToUndefined, z.string().optional()),
  allocation_bytes: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[0-9]{1,16}$/, 'must be a whole number of bytes')
      .transform(Number)
      .optional(),
  ),
  status: z.preprocess(
    (v) => (typeof v === 'string' ? blankToUndefined(v.trim().toLowerCase()) : v),
    z.enum(['active', 'suspended'], 'must be active or suspended').optional(),
  ),
});

export function parseBulkCsv(text: string): { rows: BulkRow[]; errors: RowError[] } {
  const errors: RowError[] = [];
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as { message: string; lines?: number };
    return { rows: [], errors: [{ row: null, line: err.lines ?? null, column: null, message: `not valid CSV: ${err.message}` }] };
  }
  if (records.length === 0)
    return { rows: [], errors: [{ row: null, line: 1, column: null, message: 'the file is empty: expected a header line and rows' }] };

  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  for (const h of header) {
    if (!(BULK_COLUMNS as readonly string[]).includes(h))
      errors.push({ row: null, line: 1, column: null, message: `unknown column "${h}" (columns: ${BULK_COLUMNS.join(', ')})` });
  }
  if (new Set(header).size !== header.length)
    errors.push({ row: null, line: 1, column: null, message: 'a column appears twice in the header' });
  if (!header.includes('address')) errors.push({ row: null, line: 1, column: null, message: 'the header has no "address" column' });
  if (errors.length) return { rows: [], errors };

  const data = records.slice(1);
  if (data.length === 0) return { rows: [], errors: [{ row: null, line: 2, column: null, message: 'no rows after the header' }] };
  if (data.length > MAX_BULK_ROWS) {
    return {
      rows: [],
      errors: [
        { row: null, line: null, column: null, message: `${data.length} rows: at most ${MAX_BULK_ROWS} per import; split the file` },
      ],
    };
  }

  const rows: BulkRow[] = [];
  const seen = new Map<string, number>();
  data.forEach(({ record, info }, i) => {
    const row = i + 1;
    const line = info.lines;
    const push = (column: BulkColumn | null, message: string) => errors.push({ row, line, column, message });
    const cells = Object.fromEntries(header.map((h, j) => [h, record[j]]));
    const r = BulkRowSchema.safeParse(cells);
    if (!r.success) {
      for (const issue of r.error.issues) push((issue.path[0] as BulkColumn) ?? null, issue.message);
      return;
    }
    let parsed: ParsedAddress;
    try {
      parsed = parseAddress(r.data.address);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return push('address', e.message);
    }
    const first = seen.get(parsed.address);
    if (first !== undefined) return push('address', `${parsed.address} appears again (first in row ${first})`);
    seen.set(parsed.address, row);
    if (r.data.password !== undefined) {
      const problem = passwordProblem(r.data.password, passwordContext(parsed.localPart, r.data.display_name ?? ''));
      if (problem) return push('password', `password ${problem}`);
    }
    rows.push({
      row,
      line,
      parsed,
      displayName: r.data.display_name,
      password: r.data.password,
      allocationBytes: r.data.allocation_bytes,
      status: r.data.status,
    });
  });
  return { rows, errors };
}
