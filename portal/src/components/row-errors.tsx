import type { ApiError } from '../api/client';
import { useI18n } from '../i18n';

interface RowError {
  row?: number | null;
  line?: number | null;
  column?: string | null;
  message: string;
}

/** The row errors of a CSV import (bulk accounts: details.errors; migration CSV: details as a list). */
export function rowErrorsOf(err: ApiError | undefined): RowError[] {
  if (!err) return [];
  const d = err.details as { errors?: RowError[] } | RowError[] | null;
  const list = Array.isArray(d) ? d : d?.errors;
  return Array.isArray(list) ? list.filter((r) => r && typeof r.message === 'string' && ('line' in r || 'row' in r)) : [];
}

export function RowErrors({ error }: { error: ApiError | undefined }) {
  const { t } = useI18n();
  const rows = rowErrorsOf(error);
  if (rows.length === 0) return null;
  return (
    <div class="table-wrap" role="alert">
      <table data-testid="row-errors">
        <caption>
          {t('rowErrors')}: {error!.message}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('line')}</th>
            <th scope="col">{t('column')}</th>
            <th scope="col">{t('problem')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>{r.line ?? r.row ?? '–'}</td>
              <td>{r.column ?? '–'}</td>
              <td>{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
