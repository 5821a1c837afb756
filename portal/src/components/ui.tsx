// Small building blocks every page uses: form fields that show the API's error beside the input that
// caused it, a bar for "used of allocated", status badges, tables with sortable headers, pagination.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { hasMessage, useI18n } from '../i18n';

/** Whether `err` blames `field`: the zod path begins with it (`changes.0` blames `changes`). */
export function blames(err: ApiError | undefined, field: string): boolean {
  const f = err?.field;
  return !!f && (f === field || f.startsWith(field + '.'));
}

interface FieldProps {
  label: string;
  name: string;
  error?: ApiError;
  /** extra field names whose errors show here too */
  also?: string[];
  hint?: string;
  children: (props: { id: string; name: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren;
}

export function Field({ label, name, error, also = [], hint, children }: FieldProps) {
  const id = useId();
  const mine = [name, ...also].some((n) => blames(error, n));
  const describedBy = [hint ? `${id}-hint` : '', mine ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({
        id,
        name,
        ...(mine ? { 'aria-invalid': 'true' as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {mine && (
        <small id={`${id}-err`} class="field-error" role="alert">
          {error!.message}
        </small>
      )}
    </div>
  );
}

/** A form's error that no single field owns (or any error, when `all`). */
export function FormError({ error, fields = [] }: { error?: ApiError; fields?: string[] }) {
  if (!error || fields.some((f) => blames(error, f))) return null;
  return (
    <p class="form-error" role="alert">
      {error.message}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

export function UsageBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  const level = pct >= 95 ? 'crit' : pct >= 80 ? 'warn' : 'ok';
  return (
    <div class="bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label} title={label}>
      <div class={`bar-fill ${level}`} style={{ width: `${pct}%` }} />
    </div>
  );
}

/** The pool as one bar: used inside allocated inside the pool. */
export function PoolBar({ used, allocated, pool }: { used: number; allocated: number; pool: number }) {
  const { t, bytes } = useI18n();
  const p = (n: number) => (pool > 0 ? Math.min(100, (n / pool) * 100) : 0);
  const label = t('poolBar', { used: bytes(used), allocated: bytes(allocated), pool: bytes(pool) });
  return (
    <div class="bar pool-bar" role="img" aria-label={label} title={label}>
      <div class="bar-fill allocated" style={{ width: `${p(allocated)}%` }} />
      <div class="bar-fill used" style={{ width: `${p(used)}%` }} />
    </div>
  );
}

export function Badge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status_${status}`;
  const text = hasMessage(key) ? t(key) : status;
  return <span class={`badge badge-${status}`}>{text}</span>;
}

export function SortHeader(props: { col: string; label: string; sort: string; onSort(col: string): void }) {
  const { t } = useI18n();
  const [by, dir] = props.sort.split(':');
  const active = by === props.col;
  const aria: JSX.AriaAttributes['aria-sort'] = active ? (dir === 'desc' ? 'descending' : 'ascending') : 'none';
  return (
    <th scope="col" aria-sort={aria}>
      <button type="button" class="link" onClick={() => props.onSort(props.col)} aria-label={t('sortBy', { col: props.label })}>
        {props.label} {active ? (dir === 'desc' ? '▼' : '▲') : ''}
      </button>
    </th>
  );
}

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage(p: number): void }) {
  const { t } = useI18n();
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t('pageOf', { page, pages })}>
      <button type="button" class="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('previous')}
      </button>
      <span>{t('pageOf', { page, pages })}</span>
      <button type="button" class="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('next')}
      </button>
    </nav>
  );
}

/** A message's attachments, named only (never opened or linked): the safe previews of backups and quarantine. */
export function AttachmentList({ items }: { items: Array<{ filename: string | null; contentType: string; size: number }> }) {
  const { bytes } = useI18n();
  return (
    <ul>
      {items.map((a, i) => (
        <li key={i}>
          {a.filename ?? '–'} ({a.contentType}, {bytes(a.size)})
        </li>
      ))}
    </ul>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p aria-busy="true">{t('loading')}</p>;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Saves `text` as a file through the browser (reports as JSON and CSV). */
export function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** One CSV field, quoted when needed (RFC 4180). */
export const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The document title names the page (screen readers announce it, tabs and history show it). */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Postwerk`;
  }, [title]);
}
