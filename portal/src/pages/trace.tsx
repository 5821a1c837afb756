import { useState } from 'preact/hooks';
import { useSearchParams } from 'wouter-preact';
import { api, call, type GetAnswer } from '../api/client';
import { hasMessage, useI18n } from '../i18n';
import { useResource } from '../live';
import { Field, FormError, Loading, useTitle } from '../components/ui';

type Traced = GetAnswer<'/mail/trace'>['items'][number];
type TraceEvent = Traced['events'][number];

/** `datetime-local` wants the browser's wall time without a zone; the URL keeps the ISO instant. */
const localInput = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const isoOf = (local: string) => (local ? new Date(local).toISOString() : '');

/**
 * A one-line reading of an event's detail: a scanner's verdict and score, a quarantine's reason, the
 * folder a delivery went to; any other detail as its plain fields. Never markup: it is shown as text.
 */
function summary(e: TraceEvent, t: ReturnType<typeof useI18n>['t']): string {
  const d = e.detail;
  if (!d || typeof d !== 'object') return d === null || d === undefined ? '' : String(d);
  const o = d as Record<string, unknown>;
  if (e.stage === 'scanned' && o.scanner === 'rspamd')
    return t('traceScannedSpam', { score: typeof o.score === 'number' ? o.score.toFixed(2) : '–', required: String(o.required ?? '–') });
  if (e.stage === 'scanned' && o.scanner === 'clamd') {
    const v = (o.verdict ?? {}) as { kind?: string; signature?: string };
    return v.kind === 'infected' ? t('traceScannedVirus', { signature: v.signature ?? '' }) : t('traceScannedClean');
  }
  return Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

/**
 * Support's message trace: find a message by its Message-ID, or by a recipient within a time range
 * (the API's default is the last seven days), and see its path step by step (accepted, scanned with
 * the verdict and score, routed, delivered or quarantined, released), each with the time since it was
 * accepted. The search is in the query string, so a trace can be bookmarked and shared.
 */
export function TracePage() {
  const { t, date, num } = useI18n();
  useTitle(t('navTrace'));
  const [search, setSearch] = useSearchParams();
  const q = {
    messageId: search.get('messageId') ?? '',
    recipient: search.get('recipient') ?? '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
  };
  const [draft, setDraft] = useState({ ...q, from: localInput(q.from), to: localInput(q.to) });
  const asked = !!(q.messageId || q.recipient);
  const trace = useResource(
    async () =>
      asked
        ? (
            await call(
              api.GET('/mail/trace', {
                params: {
                  query: {
                    ...(q.messageId ? { messageId: q.messageId } : {}),
                    ...(q.recipient ? { recipient: q.recipient } : {}),
                    ...(q.from ? { from: q.from } : {}),
                    ...(q.to ? { to: q.to } : {}),
                  },
                },
              }),
            )
          ).items
        : null,
    [q.messageId, q.recipient, q.from, q.to],
  );

  return (
    <section data-page="trace">
      <h1>{t('navTrace')}</h1>
      <p>{t('traceHelp')}</p>
      <form
        class="grid"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const next = {
            messageId: draft.messageId.trim(),
            recipient: draft.recipient.trim(),
            from: isoOf(draft.from),
            to: isoOf(draft.to),
          };
          setSearch(Object.fromEntries(Object.entries(next).filter(([, v]) => v)));
        }}
      >
        <Field label={t('messageIdField')} name="messageId" error={trace.error}>
          {(p) => <input {...p} value={draft.messageId} onInput={(e) => setDraft({ ...draft, messageId: e.currentTarget.value })} />}
        </Field>
        <Field label={t('recipient')} name="recipient" error={trace.error}>
          {(p) => (
            <input {...p} type="email" value={draft.recipient} onInput={(e) => setDraft({ ...draft, recipient: e.currentTarget.value })} />
          )}
        </Field>
        <Field label={t('from')} name="from" error={trace.error}>
          {(p) => (
            <input {...p} type="datetime-local" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
          )}
        </Field>
        <Field label={t('to')} name="to" error={trace.error}>
          {(p) => (
            <input {...p} type="datetime-local" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
          )}
        </Field>
        <div class="field">
          <button type="submit">{t('traceAction')}</button>
        </div>
      </form>
      <FormError error={trace.error} fields={['messageId', 'recipient', 'from', 'to']} />
      {asked && trace.data === undefined && !trace.error && <Loading />}
      {trace.data &&
        (trace.data.length === 0 ? (
          <p>{t('traceNone')}</p>
        ) : (
          trace.data.map((m) => (
            <section
              key={m.queueId}
              class="card"
              aria-labelledby={`trace-${m.queueId}`}
              data-testid="traced-message"
              data-queue={m.queueId}
            >
              <h2 id={`trace-${m.queueId}`}>{t('tracedMessage', { queueId: m.queueId })}</h2>
              <dl class="numbers">
                <div>
                  <dt>{t('messageIdField')}</dt>
                  <dd class="wrap">{m.messageId ?? '–'}</dd>
                </div>
                <div>
                  <dt>{t('acceptedAt')}</dt>
                  <dd>{date(m.acceptedAt, { dateStyle: 'medium', timeStyle: 'medium' })}</dd>
                </div>
              </dl>
              <div class="table-wrap">
                <table data-testid="trace-events">
                  <caption class="visually-hidden">{t('tracePath')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('traceStep')}</th>
                      <th scope="col">{t('traceTime')}</th>
                      <th scope="col">{t('traceElapsed')}</th>
                      <th scope="col">{t('recipient')}</th>
                      <th scope="col">{t('traceDetail')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.events.map((e, i) => {
                      const key = `stage_${e.stage}`;
                      return (
                        <tr key={i} data-stage={e.stage}>
                          <th scope="row">{hasMessage(key) ? t(key) : e.stage}</th>
                          <td>{date(e.at, { dateStyle: 'short', timeStyle: 'medium' })}</td>
                          <td>{e.elapsedMs === null ? '–' : t('msAfter', { ms: num(e.elapsedMs) })}</td>
                          <td>{e.recipient ?? '–'}</td>
                          <td class="wrap">{summary(e, t)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </section>
          ))
        ))}
    </section>
  );
}
