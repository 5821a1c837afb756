// The shell: language, session, header with the role's menu, and the routes. Every page has a URL of
// its own (bookmarkable, shareable, the back button works); list state such as search, sort and page
// lives in the query string.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter-preact';
import { api, call, onUnauthenticated } from './api/client';
import { I18nContext, LANGS, makeI18n, pickLang, useI18n, type Lang } from './i18n';
import { homeFor, isStaff, menuFor, SessionContext, useSession, type Me, type Role } from './session';
import type { ComponentChildren, JSX } from 'preact';
import { Loading } from './components/ui';
import { NotFound } from './pages/not-found';
import { SignIn } from './pages/sign-in';
import { MailSignIn } from './pages/mail/sign-in';
import { MailboxPage } from './pages/mail/mailbox';
import { AccountPage as OwnAccountPage } from './pages/account/account';
import { SecondFactorPage } from './pages/account/second-factor';
import { TenantOverview } from './pages/tenant/overview';
import { AccountsPage } from './pages/tenant/accounts';
import { AccountPage } from './pages/tenant/account';
import { AliasesPage } from './pages/tenant/aliases';
import { ImportPage } from './pages/tenant/import';
import { NotificationsPage } from './pages/tenant/notifications';
import { AccessPage } from './pages/tenant/access';
import { MigrationsHome, ProjectList } from './pages/migrations/list';
import { NewProject } from './pages/migrations/new-project';
import { ProjectPage } from './pages/migrations/project';
import { TenantsPage } from './pages/operator/tenants';
import { HealthPage } from './pages/operator/health';
import { AuditPage } from './pages/operator/audit';
import { SupportPage } from './pages/support';
import { BackupsPage } from './pages/backups';
import { QuarantineItemPage, QuarantinePage } from './pages/tenant/quarantine';
import { TracePage } from './pages/trace';

const LANG_KEY = 'postwerk.lang';

export function App() {
  const [lang, setLangState] = useState<Lang>(() => pickLang(localStorage.getItem(LANG_KEY), navigator.languages ?? [navigator.language]));
  const i18n = useMemo(
    () =>
      makeI18n(lang, (l) => {
        localStorage.setItem(LANG_KEY, l);
        setLangState(l);
      }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // undefined: still asking; null: not signed in
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    call(api.GET('/auth/me'))
      .then((m) => setMe(m as Me))
      .catch(() => setMe(null));
    return onUnauthenticated(() => setMe(null));
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      {me === undefined ? (
        <Loading />
      ) : me === null ? (
        <SignedOut onSignedIn={setMe} />
      ) : (
        <SignedIn me={me} onMe={setMe} onSignedOut={() => setMe(null)} />
      )}
    </I18nContext.Provider>
  );
}

/** Not signed in: the staff sign-in page, or the mail user's (for /mail and below). */
function SignedOut({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [location] = useLocation();
  if (location !== '/signin' && location !== '/mail/signin') {
    const next = location + window.location.search;
    const page = location === '/mail' || location.startsWith('/mail/') ? '/mail/signin' : '/signin';
    return <Redirect to={`${page}?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <>
      <Header />
      <main id="content" class="container narrow">
        {location === '/signin' ? <SignIn onSignedIn={onSignedIn} /> : <MailSignIn onSignedIn={onSignedIn} />}
      </main>
    </>
  );
}

function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <label class="lang">
      <span class="visually-hidden">{t('language')}</span>
      <select value={lang} aria-label={t('language')} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {l === 'de' ? 'Deutsch' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}

function Header({ me, onSignOut }: { me?: Me; onSignOut?: () => void }) {
  const { t } = useI18n();
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [location]);
  // a user who must enrol a second factor first has no menu: the API refuses them everything else
  const items = me && !me.secondFactorEnrolmentRequired ? menuFor(me) : [];
  // the current item is the longest one the path starts with (/support/trace is not also /support)
  const current = items
    .map((i) => i.href)
    .filter((h) => location === h || location.startsWith(h + '/'))
    .sort((a, b) => b.length - a.length)[0];
  return (
    <header class="site">
      <a class="skip" href="#content">
        {t('skipToContent')}
      </a>
      <div class="container header-row">
        <Link href="/" class="brand">
          {t('appName')}
        </Link>
        {me && (
          <button type="button" class="menu-toggle secondary" aria-expanded={open} aria-controls="main-menu" onClick={() => setOpen(!open)}>
            {t('mainMenu')}
          </button>
        )}
        <div class="header-tools">
          <LanguageSwitch />
          {me && isStaff(me) && !me.secondFactorEnrolmentRequired && (
            <Link href="/account" class="secondary" aria-current={location.startsWith('/account') ? 'page' : undefined}>
              {t('navMyAccount')}
            </Link>
          )}
          {me && onSignOut && (
            <button type="button" class="secondary outline" onClick={onSignOut}>
              {t('signOut')}
            </button>
          )}
        </div>
      </div>
      {me && (
        <nav id="main-menu" aria-label={t('mainMenu')} class={`container main-menu ${open ? 'open' : ''}`}>
          <ul>
            {items.map((i) => (
              <li key={i.href}>
                <Link href={i.href} aria-current={i.href === current ? 'page' : undefined}>
                  {t(i.label)}
                </Link>
              </li>
            ))}
          </ul>
          <small class="who">{t('signedInAs', { who: me.label, role: t(`role_${me.role}`) })}</small>
        </nav>
      )}
    </header>
  );
}

function SignedIn({ me, onMe, onSignedOut }: { me: Me; onMe(me: Me): void; onSignedOut(): void }) {
  const [, navigate] = useLocation();
  const session = useMemo(
    () => ({
      me,
      async signOut() {
        const mailUser = me.role === 'mail_user';
        await call(mailUser ? api.DELETE('/self/session') : api.DELETE('/auth/session')).catch(() => undefined);
        onSignedOut();
        navigate(mailUser ? '/mail/signin' : '/signin', { replace: true });
      },
      /** asks the API again who is signed in (after enrolling a second factor, which lifts the enrolment gate) */
      async refresh() {
        onMe((await call(api.GET('/auth/me'))) as Me);
      },
    }),
    [me, onMe, onSignedOut, navigate],
  );
  if (me.secondFactorEnrolmentRequired)
    return (
      <SessionContext.Provider value={session}>
        <Header me={me} onSignOut={() => void session.signOut()} />
        <main id="content" class="container" tabIndex={-1}>
          <Switch>
            <Route path="/account/second-factor" component={SecondFactorPage} />
            <Route>
              <Redirect to="/account/second-factor" replace />
            </Route>
          </Switch>
        </main>
      </SessionContext.Provider>
    );
  return (
    <SessionContext.Provider value={session}>
      <Header me={me} onSignOut={() => void session.signOut()} />
      <main id="content" class="container" tabIndex={-1}>
        <Switch>
          <Route path="/">
            <Redirect to={homeFor(me)} replace />
          </Route>
          <Route path="/signin">
            <SigninRedirect me={me} />
          </Route>
          <Route path="/mail/signin">
            <SigninRedirect me={me} />
          </Route>
          <Route path="/account" component={only(STAFF, OwnAccountPage)} />
          <Route path="/account/second-factor" component={only(STAFF, SecondFactorPage)} />
          <Route path="/mail" component={only(['mail_user'], MailboxPage)} />
          <Route path="/t/:tenantId/overview" component={TenantOverview} />
          <Route path="/t/:tenantId/accounts" component={AccountsPage} />
          <Route path="/t/:tenantId/accounts/:accountId" component={AccountPage} />
          <Route path="/t/:tenantId/accounts/:accountId/backups" component={only(['operator', 'tenant_admin', 'support'], BackupsPage)} />
          <Route path="/t/:tenantId/aliases" component={AliasesPage} />
          <Route path="/t/:tenantId/import" component={ImportPage} />
          <Route path="/t/:tenantId/notifications" component={NotificationsPage} />
          <Route path="/t/:tenantId/access" component={only(['operator', 'tenant_admin'], AccessPage)} />
          <Route path="/t/:tenantId/quarantine" component={only(['operator', 'tenant_admin', 'support'], QuarantinePage)} />
          <Route
            path="/t/:tenantId/quarantine/:quarantineId"
            component={only(['operator', 'tenant_admin', 'support'], QuarantineItemPage)}
          />
          <Route path="/migrations" component={MigrationsHome} />
          <Route path="/t/:tenantId/migrations" component={ProjectList} />
          <Route path="/t/:tenantId/migrations/new" component={only(['operator', 'migration_engineer'], NewProject)} />
          <Route path="/t/:tenantId/migrations/:projectId" component={ProjectPage} />
          <Route path="/operator/tenants" component={only(['operator'], TenantsPage)} />
          <Route path="/operator/health" component={only(['operator', 'support'], HealthPage)} />
          <Route path="/audit" component={only(['operator', 'tenant_admin', 'support'], AuditPage)} />
          <Route path="/support" component={only(['operator', 'support'], SupportPage)} />
          <Route path="/support/trace" component={only(['operator', 'support'], TracePage)} />
          <Route component={NotFound} />
        </Switch>
      </main>
    </SessionContext.Provider>
  );
}

const STAFF: Role[] = ['operator', 'tenant_admin', 'migration_engineer', 'support'];

/**
 * A page for some roles only: others get the not-found page, as the API would refuse its data. (The
 * API decides; this keeps the portal from showing a page of errors.)
 */
const guarded = new Map<unknown, unknown>();
function only<P>(roles: Role[], Page: (props: P) => ComponentChildren): (props: P) => ComponentChildren {
  const key = `${roles.join(',')}:${Page.name}`;
  if (!guarded.has(key))
    guarded.set(key, (props: P) => {
      const { me } = useSession();
      return roles.includes(me.role) ? <Page {...(props as P & JSX.IntrinsicAttributes)} /> : <NotFound />;
    });
  return guarded.get(key) as (props: P) => ComponentChildren;
}

/** After signing in: the page the person first asked for (only a path of this site), else the role's start page. */
function SigninRedirect({ me }: { me: Me }) {
  const next = new URLSearchParams(window.location.search).get('next');
  const safe =
    next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') && !next.startsWith('/mail/signin')
      ? next
      : homeFor(me);
  return <Redirect to={safe} replace />;
}
