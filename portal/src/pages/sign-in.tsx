import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { useI18n } from '../i18n';
import { useAction } from '../live';
import type { Me } from '../session';
import { Field, FormError } from '../components/ui';

export function SignIn({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  useEffect(() => {
    document.title = `${t('signIn')} · Postwerk`;
  }, [t]);
  const signIn = useAction(async () => (await call(api.POST('/auth/session', { body: { email, password } }))) as Me);
  return (
    <section data-page="sign-in">
      <h1>{t('signIn')}</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const me = await signIn.go();
          if (me) onSignedIn(me);
        }}
      >
        <Field label={t('email')} name="email" error={signIn.error}>
          {(p) => (
            <input {...p} type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </Field>
        <Field label={t('password')} name="password" error={signIn.error}>
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
        <FormError error={signIn.error} fields={['email', 'password']} />
        <button type="submit" aria-busy={signIn.pending} disabled={signIn.pending}>
          {t('signIn')}
        </button>
      </form>
    </section>
  );
}
