import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction } from '../../live';
import type { Me } from '../../session';
import { Field, FormError } from '../../components/ui';

/**
 * A mail user's sign-in with the mail address and the mail password (`POST /self/session`). A page of
 * its own rather than the staff form: the two are different credentials checked by different routes,
 * each with its own session cookie, and a form that tried one then the other would spend a wrong
 * password on both and could not say which one was wrong.
 */
export function MailSignIn({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useI18n();
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  useEffect(() => {
    document.title = `${t('mailUserSignIn')} · Postwerk`;
  }, [t]);
  const signIn = useAction(async () => {
    const u = await call(api.POST('/self/session', { body: { address, password } }));
    return { ...u, role: 'mail_user' } as Me;
  });
  return (
    <section data-page="mail-sign-in">
      <h1>{t('mailUserSignIn')}</h1>
      <p>{t('mailUserSignInIntro')}</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const me = await signIn.go();
          if (me) onSignedIn(me);
        }}
      >
        <Field label={t('mailAddress')} name="address" error={signIn.error}>
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="username"
              required
              value={address}
              onInput={(e) => setAddress(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t('mailPassword')} name="password" error={signIn.error}>
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
        <FormError error={signIn.error} fields={['address', 'password']} />
        <button type="submit" aria-busy={signIn.pending} disabled={signIn.pending}>
          {t('signIn')}
        </button>
      </form>
      <p>
        <Link href="/signin">{t('staffSignInLink')}</Link>
      </p>
    </section>
  );
}
