import { useState } from 'preact/hooks';
import { Link, useLocation, useSearchParams } from 'wouter-preact';
import { ApiError, api, call, reasonHeader, SUPPORT_MAX_REASON_CHARS, SUPPORT_MIN_REASON_CHARS, type GetAnswer } from '../../api/client';
import { useI18n, type MessageKey } from '../../i18n';
import { useAction, useResource } from '../../live';
import { useSession, type Role } from '../../session';
import { Loaded } from '../../components/loaded';
import { AttachmentList, Field, FormError, Notice, useTitle } from '../../components/ui';

type Quarantined = GetAnswer<'/tenants/{tenantId}/quarantine/{quarantineId}'>;
type ReleasePolicy = GetAnswer<'/tenants/{tenantId}/filter-policy'>['releasePolicy'];

const REASONS = ['spam', 'virus', 'blocked_sender'] as const;
const STATUSES = ['held', 'releasing', 'released'] as const;
const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE = 25;
/** the page size from the query string: 1 to 100 (the API's bound), else the default */
const pageSize = (v: string | null) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_PAGE;
};
/** the list's filters, as the query string names them (and the API's list route too) */
const FILTERS = ['sender', 'subject', 'reason', 'status'] as const;

/**
 * Why this person may not release this message, or null when they may: the API decides (the
 * tenant's release policy per reason, the role's permission); this only shows the same answer before
 * the click, as a disabled button with the reason beside it.
 */
export function releaseRefusal(m: Quarantined, policy: ReleasePolicy | undefined, role: Role): MessageKey | null {
  if (m.status === 'released') return 'releaseRefusedReleased';
  if (role !== 'operator' && role !== 'tenant_admin') return 'releaseRefusedRole';
  if (!policy) return 'loading';
  if (policy[m.reason] === 'operator' && role !== 'operator') return 'releaseRefusedPolicy';
  return null;
}

const usePolicy = (tenantId: string) =>
  useResource(
    async () => (await call(api.GET('/tenants/{tenantId}/filter-policy', { params: { path: { tenantId } } }))).releasePolicy,
    [tenantId],
  );

/**
 * The tenant's quarantine: search by sender, subject, reason and status, in keyset pages (the cursor
 * is in the query string like the filters, so a page of results can be bookmarked and the back button
 * returns to the page before); each message opens on a page of its own.
 */
export function QuarantinePage({ params }: { params: { tenantId: string } }) {
  const { t, date } = useI18n();
  const { me } = useSession();
  const { tenantId } = params;
  useTitle(t('navQuarantine'));
  const [search, setSearch] = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const cursor = search.get('cursor') ?? '';
  const limit = pageSize(search.get('limit'));
  const [draft, setDraft] = useState({ ...filters, limit: String(limit) });
  const policy = usePolicy(tenantId);
  const list = useResource(
    () =>
      call(
        api.GET('/tenants/{tenantId}/quarantine', {
          params: {
            path: { tenantId },
            query: {
              limit,
              ...(cursor ? { cursor } : {}),
              ...(filters.sender ? { sender: filters.sender } : {}),
              ...(filters.subject ? { subject: filters.subject } : {}),
              ...(filters.reason ? { reason: filters.reason as (typeof REASONS)[number] } : {}),
              ...(filters.status ? { status: filters.status as (typeof STATUSES)[number] } : {}),
            },
          },
        }),
      ),
    [tenantId, cursor, limit, ...FILTERS.map((f) => filters[f])],
    { everyMs: 10_000 },
  );
  const query = (extra: Record<string, string>) =>
    Object.fromEntries(
      Object.entries({ ...filters, limit: limit === DEFAULT_PAGE ? '' : String(limit), ...extra }).filter(([, v]) => v !== ''),
    ) as Record<string, string>;

  return (
    <section data-page="quarantine">
      <h1>{t('navQuarantine')}</h1>
      <p>{t('quarantineHelp')}</p>
      {search.get('deleted') && <Notice>{t('quarantineDeleted')}</Notice>}
      <form
        class="grid"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query({ ...draft, limit: Number(draft.limit) === DEFAULT_PAGE ? '' : draft.limit, cursor: '' }));
        }}
      >
        <Field label={t('senderContains')} name="sender" error={list.error}>
          {(p) => (
            <input {...p} type="search" value={draft.sender} onInput={(e) => setDraft({ ...draft, sender: e.currentTarget.value })} />
          )}
        </Field>
        <Field label={t('subjectContains')} name="subject" error={list.error}>
          {(p) => (
            <input {...p} type="search" value={draft.subject} onInput={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} />
          )}
        </Field>
        <Field label={t('quarantineReason')} name="reason">
          {(p) => (
            <select {...p} value={draft.reason} onChange={(e) => setDraft({ ...draft, reason: e.currentTarget.value })}>
              <option value="">{t('anyReason')}</option>
              {REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`qreason_${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('status')} name="status">
          {(p) => (
            <select {...p} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
              <option value="">{t('anyStatus')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`qstatus_${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('perPage')} name="limit">
          {(p) => (
            <select {...p} value={draft.limit} onChange={(e) => setDraft({ ...draft, limit: e.currentTarget.value })}>
              {(PAGE_SIZES.includes(limit) ? PAGE_SIZES : [limit, ...PAGE_SIZES]).map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="field">
          <button type="submit">{t('search')}</button>
        </div>
      </form>
      <Loaded res={list}>
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <p>{t('quarantineEmpty')}</p>
            ) : (
              <div class="table-wrap">
                <table data-testid="quarantine-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('subject')}</th>
                      <th scope="col">{t('sender')}</th>
                      <th scope="col">{t('recipient')}</th>
                      <th scope="col">{t('quarantineReason')}</th>
                      <th scope="col">{t('spamScore')}</th>
                      <th scope="col">{t('quarantinedAt')}</th>
                      <th scope="col">{t('status')}</th>
                      <th scope="col">{t('release')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((m) => {
                      const refusal = releaseRefusal(m, policy.data, me.role);
                      return (
                        <tr key={m.id} data-quarantine={m.id}>
                          <td>
                            <Link href={`/t/${tenantId}/quarantine/${m.id}`}>{m.subject || t('noSubject')}</Link>
                          </td>
                          <td>{m.sender || '<>'}</td>
                          <td>{m.recipient}</td>
                          <td>{t(`qreason_${m.reason}`)}</td>
                          <td>{m.spamScore === null ? '–' : m.spamScore.toFixed(1)}</td>
                          <td>{date(m.createdAt)}</td>
                          <td>
                            <span class={`badge badge-q-${m.status}`}>{t(`qstatus_${m.status}`)}</span>
                          </td>
                          <td>{refusal ? t(refusal) : t('releaseAllowed')}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {(cursor || page.nextCursor) && (
              <nav class="pager" aria-label={t('quarantinePages')}>
                <button type="button" class="secondary" disabled={!cursor} onClick={() => setSearch(query({ cursor: '' }))}>
                  {t('firstPage')}
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={!page.nextCursor}
                  onClick={() => page.nextCursor && setSearch(query({ cursor: page.nextCursor }))}
                >
                  {t('next')}
                </button>
              </nav>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

/**
 * One quarantined message: its index data and the API's safe preview (headers and plain text, never
 * HTML or remote content: shown as text), release to the INBOX (optionally allow-listing the sender
 * and teaching rspamd ham) as the tenant's release policy allows, and delete for good.
 */
export function QuarantineItemPage({ params }: { params: { tenantId: string; quarantineId: string } }) {
  const { t, date, bytes } = useI18n();
  const { me } = useSession();
  const [, navigate] = useLocation();
  const { tenantId, quarantineId } = params;
  const path = { tenantId, quarantineId };
  const policy = usePolicy(tenantId);
  const item = useResource(
    () => call(api.GET('/tenants/{tenantId}/quarantine/{quarantineId}', { params: { path } })),
    [tenantId, quarantineId],
  );
  // a released message's content is no longer kept: no preview then
  const released = item.data?.status === 'released';
  // support reads a message's content only with a reason (audited with it); others see the preview at once
  const needsReason = me.role === 'support';
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState<ApiError | undefined>(undefined);
  const [previewReason, setPreviewReason] = useState<string | null>(needsReason ? null : '');
  const preview = useResource(
    async () =>
      item.data && !released && previewReason !== null
        ? (
            await call(
              api.GET('/tenants/{tenantId}/quarantine/{quarantineId}/preview', {
                params: { path, header: reasonHeader(previewReason) },
              }),
            )
          ).preview
        : null,
    [tenantId, quarantineId, !!item.data, released, previewReason],
  );
  useTitle(item.data ? t('quarantinedMessage', { subject: item.data.subject || t('noSubject') }) : t('navQuarantine'));
  const [opts, setOpts] = useState({ allowSender: false, learnHam: false });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const release = useAction(async () => {
    const r = await call(api.POST('/tenants/{tenantId}/quarantine/{quarantineId}/release', { params: { path }, body: opts }));
    await item.reload();
    return r;
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/tenants/{tenantId}/quarantine/{quarantineId}', { params: { path } }));
    navigate(`/t/${tenantId}/quarantine?deleted=1`);
  });
  const back = (
    <p>
      <Link href={`/t/${tenantId}/quarantine`}>← {t('navQuarantine')}</Link>
    </p>
  );

  return (
    <section data-page="quarantine-item">
      {back}
      <Loaded res={item}>
        {(m) => {
          const refusal = releaseRefusal(m, policy.data, me.role);
          const mayAct = me.role === 'operator' || me.role === 'tenant_admin';
          return (
            <>
              <h1>{t('quarantinedMessage', { subject: m.subject || t('noSubject') })}</h1>
              <dl class="numbers" data-testid="quarantine-facts">
                <div>
                  <dt>{t('status')}</dt>
                  <dd data-testid="quarantine-status">{t(`qstatus_${m.status}`)}</dd>
                </div>
                <div>
                  <dt>{t('quarantineReason')}</dt>
                  <dd>
                    {t(`qreason_${m.reason}`)}
                    {m.detail ? ` (${m.detail})` : ''}
                  </dd>
                </div>
                <div>
                  <dt>{t('spamScore')}</dt>
                  <dd>{m.spamScore === null ? '–' : m.spamScore.toFixed(1)}</dd>
                </div>
                <div>
                  <dt>{t('sender')}</dt>
                  <dd>{m.sender || '<>'}</dd>
                </div>
                <div>
                  <dt>{t('recipient')}</dt>
                  <dd>{m.recipient}</dd>
                </div>
                <div>
                  <dt>{t('quarantinedAt')}</dt>
                  <dd>{date(m.createdAt)}</dd>
                </div>
                <div>
                  <dt>{t('quarantineExpiresAt')}</dt>
                  <dd>{date(m.expiresAt)}</dd>
                </div>
                <div>
                  <dt>{t('size')}</dt>
                  <dd>{bytes(m.sizeBytes)}</dd>
                </div>
              </dl>
              {m.status === 'released' && m.releasedBy && <Notice>{t('releasedBy', { who: m.releasedBy, at: date(m.statusAt) })}</Notice>}

              <section class="card" aria-labelledby="qpreview-h" data-testid="quarantine-preview">
                <h2 id="qpreview-h">{t('preview')}</h2>
                {released ? (
                  <p>{t('previewGone')}</p>
                ) : previewReason === null ? (
                  <form
                    data-testid="quarantine-reason"
                    onSubmit={(e) => {
                      e.preventDefault();
                      if ([...reason.trim()].length < SUPPORT_MIN_REASON_CHARS) {
                        setReasonMissing(new ApiError(400, 'reason_required', t('reasonFirst'), null));
                        return;
                      }
                      setReasonMissing(undefined);
                      setPreviewReason(reason);
                    }}
                  >
                    <Field label={t('readReason')} name="reason" error={reasonMissing} hint={t('readReasonHint')}>
                      {(f) => (
                        <input
                          {...f}
                          required
                          maxLength={SUPPORT_MAX_REASON_CHARS}
                          value={reason}
                          onInput={(e) => setReason(e.currentTarget.value)}
                        />
                      )}
                    </Field>
                    <button type="submit">{t('showPreview')}</button>
                  </form>
                ) : (
                  <Loaded res={preview}>
                    {(p) =>
                      p && (
                        <>
                          {p.headersOnly && <p>{t('previewHeadersOnly')}</p>}
                          <div class="table-wrap">
                            <table>
                              <caption class="visually-hidden">{t('headers')}</caption>
                              <thead>
                                <tr>
                                  <th scope="col">{t('headerName')}</th>
                                  <th scope="col">{t('headerValue')}</th>
                                </tr>
                              </thead>
                              <tbody>
                                {p.headers.map((h, i) => (
                                  <tr key={i}>
                                    <th scope="row">{h.name}</th>
                                    <td class="wrap">{h.value}</td>
                                  </tr>
                                ))}
                              </tbody>
                            </table>
                          </div>
                          {/* text only: the API never returns HTML, and it is shown as text, never as markup */}
                          {!p.headersOnly && (
                            <pre class="preview-text" tabIndex={0} aria-label={t('messageText')} data-testid="quarantine-text">
                              {p.text}
                            </pre>
                          )}
                          {p.textTruncated && <p>{t('previewTruncated')}</p>}
                          {p.textSource === 'html' && <p>{t('previewFromHtml')}</p>}
                          {p.attachments.length > 0 && (
                            <>
                              <h3>{t('attachments')}</h3>
                              <AttachmentList items={p.attachments.map((a) => ({ ...a, size: a.sizeBytes }))} />
                            </>
                          )}
                        </>
                      )
                    }
                  </Loaded>
                )}
              </section>

              {mayAct && (
                <section class="card" aria-labelledby="qrelease-h">
                  <h2 id="qrelease-h">{t('release')}</h2>
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      void release.go();
                    }}
                  >
                    <label>
                      <input
                        type="checkbox"
                        checked={opts.allowSender}
                        disabled={!!refusal}
                        onChange={(e) => setOpts({ ...opts, allowSender: e.currentTarget.checked })}
                      />
                      {t('allowSenderToo')}
                    </label>
                    <label>
                      <input
                        type="checkbox"
                        checked={opts.learnHam}
                        disabled={!!refusal}
                        onChange={(e) => setOpts({ ...opts, learnHam: e.currentTarget.checked })}
                      />
                      {t('learnHamToo')}
                    </label>
                    <button
                      type="submit"
                      disabled={!!refusal || release.pending}
                      aria-describedby={refusal ? 'release-refusal' : undefined}
                    >
                      {t('releaseToInbox')}
                    </button>
                    {refusal && (
                      <p id="release-refusal" class="hint" data-testid="release-refusal">
                        {t(refusal)}
                      </p>
                    )}
                  </form>
                  <FormError error={release.error} />
                  {release.result && (
                    <Notice>
                      <span data-testid="release-done">{t('releaseDone', { recipient: release.result.message.recipient })}</span>
                    </Notice>
                  )}
                  <h2>{t('deleteForGood')}</h2>
                  {confirmDelete ? (
                    <p>
                      {t('deleteConfirm')}{' '}
                      <button type="button" class="contrast" disabled={remove.pending} onClick={() => void remove.go()}>
                        {t('deleteForGood')}
                      </button>{' '}
                      <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
                        {t('cancel')}
                      </button>
                    </p>
                  ) : (
                    <button type="button" class="secondary" onClick={() => setConfirmDelete(true)}>
                      {t('delete')}
                    </button>
                  )}
                  <FormError error={remove.error} />
                </section>
              )}
              <p>
                <Link href={`/audit?tenantId=${tenantId}&targetId=${m.id}`}>{t('auditTrail')}</Link>
              </p>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
