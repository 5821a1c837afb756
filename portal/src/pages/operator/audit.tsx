import { useEffect, useState } from 'preact/hooks';
import { useSearchParams } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction } from '../../live';
import { Field, FormError, Notice, useTitle } from '../../components/ui';
import { useSession } from '../../session';

const FILTERS = ['tenantId', 'targetId', 'actor', 'action', 'from', 'to'] as const;
type Filter = Partial<Record<(typeof FILTERS)[number], string>>;
type Entry = Awaited<ReturnType<typeof loadPage>>['items'][number];

/** datetime-local (no zone) → ISO in the browser's zone, as the API wants an offset. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

function loadPage(f: Filter, cursor?: string) {
  return call(
    api.GET('/audit', {
      params: { query: { limit: 100, cursor, ...f, from: toIso(f.from ?? ''), to: toIso(f.to ?? ''), tenantId: f.tenantId || undefined } },
    }),
  );
}

/** The audit log: filters in the URL (a filtered view can be bookmarked), export of the same filter, chain verification. */
export function AuditPage() {
  const { t, date } = useI18n();
  const { me } = useSession();
  useTitle(t('navAudit'));
  const [search, setSearch] = useSearchParams();
  const applied: Filter = Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? '']).filter(([, v]) => v));
  if (me.tenantId) applied.tenantId = me.tenantId;
  const [draft, setDraft] = useState<Filter>(applied);
  const [items, setItems] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const load = useAction(async (more: boolean) => {
    const p = await loadPage(applied, more ? (cursor ?? undefined) : undefined);
    setItems(more ? [...items, ...p.items] : p.items);
    setCursor(p.nextCursor);
    return p;
  });
  const key = JSON.stringify(applied);
  useEffect(() => {
    void load.go(false);
  }, [key]);
  const verify = useAction(() => call(api.GET('/audit/verify')));
  const exportHref = (format: 'csv' | 'ndjson') => {
    const q = new URLSearchParams({ format });
    for (const [k, v] of Object.entries(applied)) if (v) q.set(k, k === 'from' || k === 'to' ? toIso(v)! : v);
    return `/api/v1/audit/export?${q}`;
  };

  return (
    <section data-page="audit">
      <h1>{t('navAudit')}</h1>
      <form
        class="card"
        aria-label={t('filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(Object.fromEntries(Object.entries(draft).filter(([, v]) => v)) as Record<string, string>);
        }}
      >
        <div class="grid">
          {!me.tenantId && (
            <Field label={t('tenant')} name="tenantId" error={load.error}>
              {(p) => (
                <input {...p} value={draft.tenantId ?? ''} onInput={(e) => setDraft({ ...draft, tenantId: e.currentTarget.value })} />
              )}
            </Field>
          )}
          <Field label={t('actor')} name="actor" error={load.error}>
            {(p) => <input {...p} value={draft.actor ?? ''} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />}
          </Field>
          <Field label={t('action')} name="action" error={load.error}>
            {(p) => <input {...p} value={draft.action ?? ''} onInput={(e) => setDraft({ ...draft, action: e.currentTarget.value })} />}
          </Field>
          <Field label={t('target')} name="targetId" error={load.error}>
            {(p) => <input {...p} value={draft.targetId ?? ''} onInput={(e) => setDraft({ ...draft, targetId: e.currentTarget.value })} />}
          </Field>
        </div>
        <div class="grid">
          <Field label={t('from')} name="from" error={load.error}>
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={draft.from ?? ''}
                onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('to')} name="to" error={load.error}>
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={draft.to ?? ''}
                onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
              />
            )}
          </Field>
        </div>
        <FormError error={load.error} fields={[...FILTERS]} />
        <div class="actions">
          <button type="submit">{t('apply_filters')}</button>
          <a href={exportHref('ndjson')} role="button" class="secondary" download>
            {t('exportNdjson')}
          </a>
          <a href={exportHref('csv')} role="button" class="secondary" download>
            {t('exportCsv')}
          </a>
          {me.role === 'operator' && (
            <button type="button" class="secondary" onClick={() => void verify.go()} aria-busy={verify.pending}>
              {t('verifyChain')}
            </button>
          )}
        </div>
        {verify.result && (
          <Notice>
            <span data-testid="chain">
              {verify.result.ok ? t('chainOk', { n: verify.result.checked }) : t('chainBroken', { n: verify.result.problems.length })}
            </span>
          </Notice>
        )}
        <FormError error={verify.error} />
      </form>
      <div class="table-wrap">
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('when')}</th>
              <th scope="col">{t('actor')}</th>
              <th scope="col">{t('action')}</th>
              <th scope="col">{t('target')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{date(e.at, { dateStyle: 'short', timeStyle: 'medium' })}</td>
                <td>
                  {e.actor.type}:{e.actor.id} {e.actor.role && <small>({e.actor.role})</small>}
                </td>
                <td>{e.action}</td>
                <td>{e.target ? `${e.target.type} ${e.target.id}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {cursor && (
        <button type="button" class="secondary" onClick={() => void load.go(true)} aria-busy={load.pending}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}
