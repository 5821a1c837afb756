import { parse } from 'csv-parse/sync';
import { AppError } from '../platform/errors';
import { CSV_MAX_ERRORS_LISTED, CSV_MAX_ROWS } from './limits';
import { csvRowSchema, type CsvRow } from './schemas';

/**
 * The account list of a migration project: a CSV with a header line naming the columns
 * `source_user,destination_address[,source_password]` (any order). All or nothing: every row is checked
 * and every problem is reported with its line, and no row is used unless all are good.
 */
export interface CsvRowError {
  line: number;
  column?: string;
  message: string;
}

export interface ParsedRow extends CsvRow {
  line: number;
}

const REQUIRED = ['source_user', 'destination_address'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'source_password']);

export function csvError(errors: CsvRowError[], total = errors.length): AppError {
  const shown = errors.slice(0, CSV_MAX_ERRORS_LISTED);
  const first = shown[0];
  const more = total > shown.length ? ` (${total} problems, first ${shown.length} listed)` : total > 1 ? ` (${total} problems)` : '';
  return new AppError(
    'validation_failed',
    first
      ? `accounts CSV, line ${first.line}${first.column ? `, ${first.column}` : ''}: ${first.message}${more}`
      : 'accounts CSV is invalid',
    shown,
  );
}

export function parseAccountsCsv(text: string, opts: { requirePassword: boolean }): ParsedRow[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      trim: false,
      info: true,
      relax_column_count: false,
      max_record_size: 4096,
    }) as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message: string };
    throw csvError([{ line: err.lines ?? 1, message: err.message.replace(/^Invalid Record Length: /, '') }]);
  }
  if (!records.length) throw csvError([{ line: 1, message: 'no account rows (a header line and at least one row are needed)' }]);
  const columns = Object.keys(records[0]!.record);
  const headerErrors: CsvRowError[] = [];
  for (const c of REQUIRED)
    if (!columns.includes(c)) headerErrors.push({ line: 1, column: c, message: `column ${c} is missing from the header` });
  for (const c of columns)
    if (!KNOWN.has(c))
      headerErrors.push({
        line: 1,
        column: c,
        message: `unknown column ${c} (expected source_user, destination_address, source_password)`,
      });
  if (headerErrors.length) throw csvError(headerErrors);
  if (records.length > CSV_MAX_ROWS)
    throw csvError([{ line: 1, message: `${records.length} rows; at most ${CSV_MAX_ROWS} per upload (split the project into waves)` }]);

  const errors: CsvRowError[] = [];
  const rows: ParsedRow[] = [];
  const seenSource = new Map<string, number>();
  const seenDest = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const r = csvRowSchema.safeParse(record);
    if (!r.success) {
      for (const i of r.error.issues) errors.push({ line, column: String(i.path[0] ?? ''), message: i.message });
      continue;
    }
    const row = r.data;
    if (opts.requirePassword && !row.source_password)
      errors.push({ line, column: 'source_password', message: 'is required: the project authenticates with each account’s own password' });
    if (!opts.requirePassword && row.source_password)
      errors.push({
        line,
        column: 'source_password',
        message: 'must be empty: the project authenticates with an admin identity or XOAUTH2',
      });
    const src = row.source_user.toLowerCase();
    if (seenSource.has(src))
      errors.push({ line, column: 'source_user', message: `${row.source_user} is already on line ${seenSource.get(src)}` });
    else seenSource.set(src, line);
    if (seenDest.has(row.destination_address))
      errors.push({
        line,
        column: 'destination_address',
        message: `${row.destination_address} is already on line ${seenDest.get(row.destination_address)}`,
      });
    else seenDest.set(row.destination_address, line);
    rows.push({ ...row, line });
  }
  if (errors.length) throw csvError(errors);
  return rows;
}
