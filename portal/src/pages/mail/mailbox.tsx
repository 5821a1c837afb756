import { useState } from 'preact/hooks';
import { useSearchParams } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { download, Field, FormError, Notice, UsageBar, useTitle } from '../../components/ui';
import { useSession } from '../../session';

/**
 * A mail user's own mailbox (self-service): usage against the allocation, and the messages they deleted
 * within the tenant's self-service window, each restorable into its folder. The API lists them all
 * (bounded), so the search by subject or sender filters that list here; it lives in the query string.
 */
export function MailboxPage() {
  const { t, bytes, date, num } = useI18n();
  const { me } = useSession();
  useTitle(t('navMailbox'));
  const [search, setSearch] = useSearchParams();
  const text = search.get('text') ?? '';
  const [draft, setDraft] = useState(text);
  const usage = useResource(() => call(api.GET('/self/usage')), [], { everyMs: 30_000 });
  const deleted = useResource(() => call(api.GET('/self/deleted')), []);
  const restore = useAction(async (id: number) => {
    const r = await call(api.POST('/self/deleted/{messageId}/restore', { params: { path: { messageId: String(id) } } }));
    await usage.reload();
    return r;
  });
  const needle = text.toLowerCase();
  const shown = (deleted.data?.items ?? []).filter(
    (m) => !needle || (m.subject ?? '').toLowerCase().includes(needle) || (m.from ?? '').toLowerCase().includes(needle),
  );

  return (
    <section data-page="mailbox">
      <h1>{t('mailboxOf', { address: me.label })}</h1>
      <article data-testid="own-usage">
        <h2>{t('storageUsage')}</h2>
        <Loaded res={usage}>
          {(u) => (
            <>
              <UsageBar
                value={u.usedBytes}
                max={u.allocationBytes}
                label={t('usageOfAllocation', { used: bytes(u.usedBytes), allocation: bytes(u.allocationBytes) })}
              />
              <p>
                {t('usageOfAllocation', { used: bytes(u.usedBytes), allocation: bytes(u.allocationBytes) })} ({num(u.percent)} %) ·{' '}
                {t('messagesCount', { n: num(u.usedMessages) })}
              </p>
            </>
          )}
        </Loaded>
      </article>
      <h2>{t('deletedMessages')}</h2>
      <Loaded res={deleted}>
        {(d) =>
          d.days <= 0 ? (
            <p>{t('selfRestoreOff')}</p>
          ) : (
            <>
              <p>{t('deletedMessagesIntro', { days: d.days })}</p>
              <form
                class="grid"
                role="search"
                onSubmit={(e) => {
                  e.preventDefault();
                  setSearch(draft.trim() ? { text: draft.trim() } : {});
                }}
              >
                <label>
                  {t('backupSearchText')}
                  <input type="search" name="text" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
                </label>
                <button type="submit">{t('search')}</button>
              </form>
              <FormError error={restore.error} />
              {restore.result && (
                <div data-testid="self-restore-done">
                  <Notice>{t(restore.result.restored ? 'selfRestored' : 'selfRestoredAlready', { folder: restore.result.folder })}</Notice>
                </div>
              )}
              {shown.length === 0 ? (
                <p>{t('noDeletedMessages')}</p>
              ) : (
                <div class="table-wrap">
                  <table data-testid="deleted-messages">
                    <thead>
                      <tr>
                        <th scope="col">{t('subject')}</th>
                        <th scope="col">{t('sender')}</th>
                        <th scope="col">{t('folder')}</th>
                        <th scope="col">{t('deletedAt')}</th>
                        <th scope="col">{t('size')}</th>
                        <th scope="col">{t('actions')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((m) => (
                        <tr key={m.id}>
                          <td>{m.subject ?? '–'}</td>
                          <td>{m.from ?? '–'}</td>
                          <td>{m.folder}</td>
                          <td>{date(m.deletedAt)}</td>
                          <td>{bytes(m.size)}</td>
                          <td>
                            <button
                              type="button"
                              class="secondary"
                              aria-label={t('restoreMessageNamed', { subject: m.subject ?? '–' })}
                              aria-busy={restore.pending}
                              disabled={restore.pending}
                              onClick={() => void restore.go(m.id)}
                            >
                              {t('restore')}
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )
        }
      </Loaded>
      <AppleProfile />
    </section>
  );
}

/**
 * Client setup: Thunderbird and Outlook find the servers from the address alone (autoconfig,
 * Autodiscover); Apple's mail wants a configuration profile, downloaded here. The password goes into
 * it only when the user ticks the box and types it: it is sent for this download and not stored.
 */
function AppleProfile() {
  const { t } = useI18n();
  const [withPassword, setWithPassword] = useState(false);
  const [password, setPassword] = useState('');
  const { me } = useSession();
  // saved at once, not kept in the page's state: it may hold the password
  const get = useAction(async () => {
    const body = withPassword ? { password } : {};
    const text = (await call(api.POST('/self/apple-profile', { body, parseAs: 'text' }))) as unknown as string;
    download(`${me.label}.mobileconfig`, 'application/x-apple-aspen-config', text);
    return true;
  });
  const settings = useResource(() => call(api.GET('/self/client-setup')), []);
  return (
    <article data-testid="client-setup">
      <h2>{t('clientSetup')}</h2>
      <p>{t('clientSetupIntro')}</p>
      <Loaded res={settings}>
        {(c) => (
          <div class="table-wrap">
            <table data-testid="client-settings">
              <caption>{t('manualSetup', { login: c.login })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('server')}</th>
                  <th scope="col">{t('hostName')}</th>
                  <th scope="col">{t('port')}</th>
                  <th scope="col">{t('security')}</th>
                </tr>
              </thead>
              <tbody>
                {[
                  ...c.endpoints.imap.map((e) => ({ ...e, kind: t('incomingImap') })),
                  ...c.endpoints.submission.map((e) => ({ ...e, kind: t('outgoingSmtp') })),
                ].map((e) => (
                  <tr key={`${e.kind} ${e.port}`}>
                    <td>{e.kind}</td>
                    <td>{e.host}</td>
                    <td>{e.port}</td>
                    <td>{e.security === 'tls' ? 'SSL/TLS' : 'STARTTLS'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await get.go()) setPassword('');
        }}
      >
        <label>
          <input type="checkbox" name="withPassword" checked={withPassword} onChange={(e) => setWithPassword(e.currentTarget.checked)} />
          {t('profileWithPassword')}
        </label>
        {withPassword && (
          <Field label={t('mailPassword')} name="password" error={get.error} hint={t('profilePasswordHint')}>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <FormError error={get.error} fields={['password']} />
        <button type="submit" class="secondary" aria-busy={get.pending} disabled={get.pending}>
          {t('downloadAppleProfile')}
        </button>
      </form>
    </article>
  );
}
