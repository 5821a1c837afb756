import { useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, call, type ApiError } from '../../api/client';
import type { ProjectView } from '../../api/migrations';
import { useI18n } from '../../i18n';
import { useAction } from '../../live';
import { RowErrors, rowErrorsOf } from '../../components/row-errors';
import { Field, FormError, Notice, useTitle } from '../../components/ui';
import { browserZone, zones } from '../../time';

type Security = 'tls' | 'starttls' | 'plain';

/** The first data row of the accounts CSV (header skipped): the account "test connection" logs in as. */
export function firstCsvRow(csv: string): { user: string; password?: string } | null {
  const lines = csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? [];
  const row = lines[1]?.split(',').map((c) => c.trim());
  if (!row) return null;
  const at = (name: string) => row[header.indexOf(name)];
  const user = at('source_user');
  return user ? { user, password: at('source_password') || undefined } : null;
}

export function NewProject({ params }: { params: { tenantId: string } }) {
  const { t } = useI18n();
  const { tenantId } = params;
  const [, navigate] = useLocation();
  useTitle(t('newProject'));
  const [f, setF] = useState({
    name: '',
    host: '',
    port: '993',
    security: 'tls' as Security,
    insecure: false,
    method: 'master' as 'master' | 'password',
    user: '',
    password: '',
    style: 'sasl' as 'sasl' | 'separator',
    csv: 'source_user,destination_address\n',
    timeZone: browserZone(),
  });
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const source = () => ({ host: f.host.trim(), port: Number(f.port), security: f.security, insecure: f.insecure });
  const auth = () =>
    f.method === 'master'
      ? { method: 'master' as const, user: f.user, password: f.password, style: f.style }
      : { method: 'password' as const };

  const test = useAction(async () => {
    const row = firstCsvRow(f.csv);
    if (!row) return { ok: false, ms: 0, error: t('csvFirstRowNeeded'), folders: null, capabilities: [], user: '' };
    const r = await call(
      api.POST('/tenants/{tenantId}/migrations/test-connection', {
        params: { path: { tenantId } },
        body: { source: source(), auth: auth(), sourceUser: row.user, ...(row.password ? { sourcePassword: row.password } : {}) },
      }),
    );
    return { ...r, user: row.user };
  });
  const create = useAction(async () => {
    const p = (await call(
      api.POST('/tenants/{tenantId}/migrations', {
        params: { path: { tenantId } },
        body: { name: f.name, source: source(), auth: auth(), accountsCsv: f.csv, timeZone: f.timeZone },
      }),
    )) as unknown as ProjectView;
    navigate(`/t/${tenantId}/migrations/${p.id}`);
    return p;
  });
  const err: ApiError | undefined = create.error ?? test.error;
  const fields = [
    'name',
    'timeZone',
    'source.host',
    'source.port',
    'source.security',
    'auth.user',
    'auth.password',
    'auth.style',
    'accountsCsv',
  ];

  return (
    <section data-page="new-project">
      <h1>{t('newProject')}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.go();
        }}
      >
        <Field label={t('name')} name="name" error={err}>
          {(p) => <input {...p} required value={f.name} onInput={(e) => set({ name: e.currentTarget.value })} />}
        </Field>
        <Field label={t('timeZone')} name="timeZone" error={err} hint={t('timeZoneHint')}>
          {(p) => (
            <select {...p} value={f.timeZone} onChange={(e) => set({ timeZone: e.currentTarget.value })}>
              {zones().map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset>
          <legend>{t('sourceServer')}</legend>
          <div class="grid">
            <Field label={t('host')} name="source.host" error={err}>
              {(p) => <input {...p} required value={f.host} onInput={(e) => set({ host: e.currentTarget.value })} />}
            </Field>
            <Field label={t('port')} name="source.port" error={err}>
              {(p) => <input {...p} inputMode="numeric" required value={f.port} onInput={(e) => set({ port: e.currentTarget.value })} />}
            </Field>
            <Field label={t('security')} name="source.security" error={err}>
              {(p) => (
                <select {...p} value={f.security} onChange={(e) => set({ security: e.currentTarget.value as Security })}>
                  <option value="tls">TLS (993)</option>
                  <option value="starttls">STARTTLS (143)</option>
                  <option value="plain">plain</option>
                </select>
              )}
            </Field>
          </div>
          <label>
            <input type="checkbox" name="insecure" checked={f.insecure} onChange={(e) => set({ insecure: e.currentTarget.checked })} />{' '}
            {t('insecure')}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('authMethod')}</legend>
          <label>
            <input type="radio" name="method" value="master" checked={f.method === 'master'} onChange={() => set({ method: 'master' })} />{' '}
            {t('authMaster')}
          </label>
          <label>
            <input
              type="radio"
              name="method"
              value="password"
              checked={f.method === 'password'}
              onChange={() => set({ method: 'password' })}
            />{' '}
            {t('authPassword')}
          </label>
          {f.method === 'master' && (
            <div class="grid">
              <Field label={t('masterUser')} name="auth.user" error={err}>
                {(p) => <input {...p} required autoComplete="off" value={f.user} onInput={(e) => set({ user: e.currentTarget.value })} />}
              </Field>
              <Field label={t('masterPassword')} name="auth.password" error={err}>
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    required
                    autoComplete="new-password"
                    value={f.password}
                    onInput={(e) => set({ password: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label={t('masterStyle')} name="auth.style" error={err}>
                {(p) => (
                  <select {...p} value={f.style} onChange={(e) => set({ style: e.currentTarget.value as 'sasl' | 'separator' })}>
                    <option value="sasl">{t('styleSasl')}</option>
                    <option value="separator">{t('styleSeparator')}</option>
                  </select>
                )}
              </Field>
            </div>
          )}
        </fieldset>
        <label>
          {t('csvFile')}
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={async (e) => set({ csv: (await e.currentTarget.files?.[0]?.text()) ?? f.csv })}
          />
        </label>
        <Field label={t('accountsCsv')} name="accountsCsv" error={err}>
          {(p) => <textarea {...p} rows={6} spellcheck={false} value={f.csv} onInput={(e) => set({ csv: e.currentTarget.value })} />}
        </Field>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => void test.go()} aria-busy={test.pending}>
            {t('testConnection')}
          </button>
          <button type="submit" aria-busy={create.pending}>
            {t('createProject')}
          </button>
        </div>
        <div aria-live="polite" data-testid="connection-result">
          {test.result &&
            (test.result.ok ? (
              <Notice>{t('connectionOk', { user: test.result.user, folders: test.result.folders ?? 0, ms: test.result.ms })}</Notice>
            ) : (
              <p class="form-error" role="alert">
                {t('connectionFailed', { error: test.result.error ?? '' })}
              </p>
            ))}
        </div>
        <RowErrors error={err} />
        {rowErrorsOf(err).length === 0 && <FormError error={err} fields={fields} />}
      </form>
    </section>
  );
}
