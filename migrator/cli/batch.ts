// --batch accounts.csv: one account pair per row, validated with zod; every bad row is named.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MigratorError } from '../errors';
import { BATCH_CSV_MAX_BYTES } from '../limits';

export const batchRowSchema = z.object({
  source_user: z.string().trim().min(1, 'source_user is empty'),
  destination_user: z.string().trim().min(1, 'destination_user is empty'),
  source_password_file: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined),
  destination_password_file: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined),
});
export type BatchRow = z.infer<typeof batchRowSchema>;

/** Parses the CSV text (header row required); throws one error listing every bad row. */
export function parseBatchCsv(text: string, name = 'batch file'): BatchRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      comment: '#',
    });
  } catch (err) {
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `${name}: not valid CSV: ${(err as Error).message}`);
  }
  if (!records.length)
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `${name}: no account rows (expected a header "source_user,destination_user")`);
  const errors: string[] = [];
  const rows: BatchRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, i) => {
    const line = i + 2; // header is line 1
    const r = batchRowSchema.safeParse(rec);
    if (!r.success) {
      errors.push(
        `row ${line}: ${r.error.issues.map((x) => (x.path.length ? `${x.path.join('.')}: ${x.message}` : x.message)).join('; ')}`,
      );
      return;
    }
    const key = r.data.source_user.toLowerCase();
    if (seen.has(key)) errors.push(`row ${line}: source_user ${r.data.source_user} already on row ${seen.get(key)}`);
    else seen.set(key, line);
    rows.push(r.data);
  });
  if (errors.length) throw new MigratorError('MIGRATOR_INVALID_INPUT', `${name}: ${errors.length} bad row(s):\n  ${errors.join('\n  ')}`);
  return rows;
}

export function readBatchCsv(file: string): BatchRow[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `--batch: cannot read ${file}`);
  }
  if (size > BATCH_CSV_MAX_BYTES)
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `--batch: ${file} is larger than ${BATCH_CSV_MAX_BYTES} bytes`);
  return parseBatchCsv(readFileSync(file, 'utf8'), file);
}
