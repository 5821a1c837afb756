import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, call, type ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { useAction } from '../live';
import type { Me } from '../session';
import { CodeField } from '../components/code-field';
import { Field, FormError } from '../components/ui';

/**
 * Staff sign-in. The API answers the password alone with 401 second_factor_required when the user has a
 * second factor: the page then asks for the code (or a recovery code) and sends the password again with
 * it, as the API wants both in one request. A wrong or replayed code is shown beside the code field.
 */
export function SignIn({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // null: the password step; else the second step, with the app's code or a recovery code
  const [step, setStep] = useState<null | 'totp' | 'recoveryCode'>(null);
  const [code, setCode] = useState('');
  useEffect(() => {
    document.title = `${t('signIn')} · Postwerk`;
  }, [t]);
  useEffect(() => {
    if (step) document.querySelector<HTMLInputElement>('[data-page="sign-in"] input[name="code"]')?.focus();
  }, [step]);
  const signIn = useAction(async () => {
    const body = { email, password, ...(step === 'totp' ? { totp: code } : step === 'recoveryCode' ? { recoveryCode: code } : {}) };
    try {
      return (await call(api.POST('/auth/session', { body }))) as Me;
    } catch (e) {
      const err = e as ApiError;
      if (err.code === 'second_factor_required') {
        setStep('totp');
        return undefined;
      }
      // a wrong code is the code field's; a wrong password on the second step sends the person back
      if (err.code === 'second_factor_invalid') throw err.blaming('code');
      if (step && err.code === 'unauthenticated') setStep(null);
      throw err;
    }
  });
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
        {step === null ? (
          <>
            <Field label={t('email')} name="email" error={signIn.error}>
              {(p) => (
                <input
                  {...p}
                  type="email"
                  autoComplete="username"
                  required
                  value={email}
                  onInput={(e) => setEmail(e.currentTarget.value)}
                />
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
          </>
        ) : (
          <>
            <p>{t(step === 'totp' ? 'secondFactorAsk' : 'recoveryCodeAsk', { email })}</p>
            <CodeField kind={step} name="code" value={code} onInput={setCode} error={signIn.error} />
            <p>
              <button
                type="button"
                class="link"
                onClick={() => {
                  setStep(step === 'totp' ? 'recoveryCode' : 'totp');
                  setCode('');
                  signIn.clear();
                }}
              >
                {t(step === 'totp' ? 'useRecoveryCode' : 'useTotpCode')}
              </button>
            </p>
          </>
        )}
        <FormError error={signIn.error} fields={['email', 'password', 'code']} />
        <button type="submit" aria-busy={signIn.pending} disabled={signIn.pending}>
          {t(step ? 'verifyCode' : 'signIn')}
        </button>
      </form>
      {step === null && (
        <p>
          <Link href="/mail/signin">{t('mailUserSignInLink')}</Link>
        </p>
      )}
    </section>
  );
}
