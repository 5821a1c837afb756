import { useState } from 'preact/hooks';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction } from '../../live';
import { RowErrors, rowErrorsOf } from '../../components/row-errors';
import { Field, FormError, Notice, useTitle } from '../../components/ui';

export function ImportPage({ params }: { params: { tenantId: string } }) {
  const { t } = useI18n();
  const { tenantId } = params;
  useTitle(t('navImport'));
  const [csv, setCsv] = useState('address,display_name,password,allocation_bytes,status\n');
  const run = useAction(() =>
    call(
      api.POST('/tenants/{tenantId}/accounts/bulk', {
        params: { path: { tenantId } },
        body: csv,
        headers: { 'content-type': 'text/csv' },
        bodySerializer: (b: string) => b,
      }),
    ),
  );
  return (
    <section data-page="import">
      <h1>{t('navImport')}</h1>
      <p>{t('importHelp')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run.go();
        }}
      >
        <label>
          {t('csvFile')}
          <input type="file" accept=".csv,text/csv" onChange={async (e) => setCsv((await e.currentTarget.files?.[0]?.text()) ?? csv)} />
        </label>
        <Field label={t('csvText')} name="csv" error={run.error}>
          {(p) => <textarea {...p} rows={8} spellcheck={false} value={csv} onInput={(e) => setCsv(e.currentTarget.value)} />}
        </Field>
        <RowErrors error={run.error} />
        {rowErrorsOf(run.error).length === 0 && <FormError error={run.error} fields={['csv']} />}
        {run.result && (
          <Notice>{t('imported', { created: run.result.created, updated: run.result.updated, unchanged: run.result.unchanged })}</Notice>
        )}
        <button type="submit" aria-busy={run.pending}>
          {t('importNow')}
        </button>
      </form>
    </section>
  );
}
