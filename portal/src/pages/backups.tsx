import { useState } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import { ApiError, api, call, reasonHeader, SUPPORT_MAX_REASON_CHARS, SUPPORT_MIN_REASON_CHARS } from '../api/client';
import { useI18n } from '../i18n';
import { useAction, useResource } from '../live';
import { Loaded } from '../components/loaded';
import { AttachmentList, Field, FormError, Notice, useTitle } from '../components/ui';
import { useSession } from '../session';

// The preview and restore routes declare their answers by TypeScript type only (no zod schema in the
// OpenAPI document), so their shapes are restated here: backup/use-cases/preview-message.ts, restore-backup.ts.
interface Preview {
  message: { id: number; size: number };
  headers: { subject: string | null; from: string | null };
  text: string;
  attachments: Array<{ filename: string | null; contentType: string; size: number }>;
}
interface RestoreResult {
  restored: number;
  present: number;
}

const loadPreview = async (tenantId: string, messageId: number, reason: string) =>
  (await call(
    api.GET('/tenants/{tenantId}/backups/messages/{messageId}/preview', {
      params: { path: { tenantId, messageId: String(messageId) }, header: reasonHeader(reason) },
    }),
  )) as Preview;

const DAY_MS = 86_400_000;

/**
 * Support's (and the tenant admin's) restore of single messages of one account: search the account's
 * backups (subject or sender text, deleted within the last N days), look at a safe preview (headers and
 * plain text, as the API gives it), and restore with a reason; the account's audit trail is one link
 * away. One reason serves the preview and the restore: support gives it before it reads a message (the
 * API refuses support a preview without one), and both are audited with it. The search lives in the query string, so a search can be bookmarked and shared.
 */
export function BackupsPage({ params }: { params: { tenantId: string; accountId: string } }) {
  const { t, date, bytes } = useI18n();
  const { tenantId, accountId } = params;
  const [search, setSearch] = useSearchParams();
  const text = search.get('text') ?? '';
  const deletedDays = search.get('deleted') ?? '';
  const [draft, setDraft] = useState({ text, deletedDays });
  const [selected, setSelected] = useState<number | null>(null);
  const [reason, setReason] = useState('');
  // the reason the shown preview was asked with: typing on does not fetch the message again
  const [previewReason, setPreviewReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState<ApiError | undefined>(undefined);
  const { me } = useSession();
  const needsReason = me.role === 'support';

  const account = useResource(
    () => call(api.GET('/tenants/{tenantId}/accounts/{accountId}', { params: { path: params } })),
    [tenantId, accountId],
  );
  useTitle(t('backupsOf', { address: account.data?.address ?? '' }));
  const results = useResource(
    async () =>
      (
        await call(
          api.GET('/tenants/{tenantId}/backups/messages', {
            params: {
              path: { tenantId },
              query: {
                accountId,
                limit: 50,
                ...(text ? { text } : {}),
                ...(deletedDays ? { deletedSince: new Date(Date.now() - Number(deletedDays) * DAY_MS).toISOString() } : {}),
              },
            },
          }),
        )
      ).items,
    [tenantId, accountId, text, deletedDays],
  );
  const preview = useResource<Preview | null>(
    async () => (selected ? loadPreview(tenantId, selected, previewReason) : null),
    [tenantId, selected, previewReason],
  );
  /** Whether the reason is long enough; if not, the reason field says so and takes the focus. */
  const reasonGiven = () => {
    if ([...reason.trim()].length >= SUPPORT_MIN_REASON_CHARS) {
      setReasonMissing(undefined);
      return true;
    }
    setReasonMissing(new ApiError(400, 'reason_required', t('reasonFirst'), null));
    document.querySelector<HTMLInputElement>('[data-page="backups"] input[name="reason"]')?.focus();
    return false;
  };
  const showPreview = (id: number) => {
    if (needsReason && !reasonGiven()) return;
    setReasonMissing(undefined);
    setPreviewReason(reason);
    setSelected(id);
    restore.clear();
  };

  const restore = useAction(
    async (messageId: number) =>
      (await call(
        api.POST('/tenants/{tenantId}/backups/restores', {
          params: { path: { tenantId } },
          body: { accountId, scope: 'messages', messageIds: [messageId], reason },
        }),
      )) as RestoreResult,
  );

  return (
    <section data-page="backups">
      <p>
        <Link href={`/t/${tenantId}/accounts/${accountId}`}>← {account.data?.address ?? t('account')}</Link>
      </p>
      <h1>{t('backupsOf', { address: account.data?.address ?? '' })}</h1>
      <form
        class="grid"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSelected(null);
          restore.clear();
          setSearch({ ...(draft.text ? { text: draft.text } : {}), ...(draft.deletedDays ? { deleted: draft.deletedDays } : {}) });
        }}
      >
        <Field label={t('backupSearchText')} name="text">
          {(p) => <input {...p} type="search" value={draft.text} onInput={(e) => setDraft({ ...draft, text: e.currentTarget.value })} />}
        </Field>
        <Field label={t('deletedWithin')} name="deletedSince">
          {(p) => (
            <select {...p} value={draft.deletedDays} onChange={(e) => setDraft({ ...draft, deletedDays: e.currentTarget.value })}>
              <option value="">{t('anyMessage')}</option>
              {['1', '7', '30', '90'].map((d) => (
                <option key={d} value={d}>
                  {t('lastDays', { days: d })}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="field">
          <button type="submit">{t('search')}</button>
        </div>
      </form>
      <Field
        label={t('accessReason')}
        name="reason"
        error={reasonMissing ?? restore.error}
        hint={t(needsReason ? 'accessReasonHintSupport' : 'restoreReasonHint')}
      >
        {(f) => (
          <input
            {...f}
            required={needsReason}
            maxLength={SUPPORT_MAX_REASON_CHARS}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        )}
      </Field>
      <Loaded res={results}>
        {(items) =>
          items.length === 0 ? (
            <p>{t('noBackupMatches')}</p>
          ) : (
            <table data-testid="backup-results">
              <thead>
                <tr>
                  <th scope="col">{t('subject')}</th>
                  <th scope="col">{t('from')}</th>
                  <th scope="col">{t('folder')}</th>
                  <th scope="col">{t('receivedAt')}</th>
                  <th scope="col">{t('deletedAt')}</th>
                  <th scope="col">{t('actions')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m.id} data-message={m.id} aria-selected={selected === m.id ? 'true' : undefined}>
                    <td>{m.subject || '–'}</td>
                    <td>{m.from || '–'}</td>
                    <td>{m.folder}</td>
                    <td>{date(m.internalDate)}</td>
                    <td>{m.goneAt ? date(m.goneAt) : '–'}</td>
                    <td>
                      <button type="button" class="secondary" onClick={() => showPreview(m.id)}>
                        {t('previewAction')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {selected !== null && (
        <section class="card" aria-labelledby="preview-h" data-testid="backup-preview">
          <h2 id="preview-h">{t('preview')}</h2>
          <Loaded res={preview}>
            {(p) =>
              p && (
                <>
                  <dl class="numbers">
                    <div>
                      <dt>{t('subject')}</dt>
                      <dd>{p.headers.subject ?? '–'}</dd>
                    </div>
                    <div>
                      <dt>{t('from')}</dt>
                      <dd>{p.headers.from ?? '–'}</dd>
                    </div>
                    <div>
                      <dt>{t('size')}</dt>
                      <dd>{bytes(p.message.size)}</dd>
                    </div>
                  </dl>
                  {/* text only: the API never returns HTML, and it is shown as text, never as markup */}
                  <pre class="preview-text" tabIndex={0} aria-label={t('preview')}>
                    {p.text}
                  </pre>
                  {p.attachments.length > 0 && <AttachmentList items={p.attachments} />}
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (!reasonGiven()) return;
                      void restore.go(p.message.id);
                    }}
                  >
                    <button type="submit" disabled={restore.pending}>
                      {t('restoreMessage')}
                    </button>
                  </form>
                  <FormError error={restore.error} fields={['reason']} />
                  {restore.result && (
                    <Notice>
                      <span data-testid="restore-done">
                        {t('restoreDone', { restored: String(restore.result.restored), present: String(restore.result.present) })}
                      </span>
                    </Notice>
                  )}
                </>
              )
            }
          </Loaded>
        </section>
      )}
      <p>
        <Link href={`/audit?tenantId=${tenantId}&targetId=${accountId}`}>{t('auditTrail')}</Link>
      </p>
    </section>
  );
}
