import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { CodeField } from '../../components/code-field';
import { Field, FormError, Notice, useTitle } from '../../components/ui';
import { useSession } from '../../session';

type Proof = 'password' | 'totp' | 'recoveryCode';

/**
 * A staff user's own account: the second factor (set it up, or turn it off after proving it is them
 * with the current password, a code or a recovery code, as the API asks for exactly one), and a new
 * password (the current one required; the API ends their other sessions).
 */
export function AccountPage() {
  const { t, date } = useI18n();
  const { me, refresh } = useSession();
  useTitle(t('navMyAccount'));
  const status = useResource(() => call(api.GET('/auth/second-factor')), []);
  const [proof, setProof] = useState<Proof>('password');
  const [proofValue, setProofValue] = useState('');
  const disable = useAction(async () => {
    try {
      return await call(api.POST('/auth/second-factor/disable', { body: { [proof]: proofValue } }));
    } catch (e) {
      throw (e as ApiError).code === 'reauthentication_failed' ? (e as ApiError).blaming('proof') : e;
    }
  });

  return (
    <section data-page="account" class="narrow">
      <h1>{t('navMyAccount')}</h1>
      <p>{t('signedInAs', { who: me.label, role: t(`role_${me.role}`) })}</p>
      <h2>{t('secondFactorTitle')}</h2>
      <Loaded res={status}>
        {(s) =>
          s.enrolled ? (
            <>
              <p data-testid="second-factor-status">
                {t('secondFactorIsOn', { since: date(s.enrolledAt) })} {t('recoveryCodesLeft', { n: s.recoveryCodesLeft })}
              </p>
              {s.required && <p>{t('secondFactorRequiredHint')}</p>}
              <form
                onSubmit={async (e) => {
                  e.preventDefault();
                  const after = await disable.go();
                  if (!after) return;
                  setProofValue('');
                  // a role that requires a second factor must enrol again first: the shell sends them there
                  if (after.required) await refresh();
                  else await status.reload();
                }}
              >
                <fieldset>
                  <legend>{t('secondFactorTurnOff')}</legend>
                  <Field label={t('proveWith')} name="proofKind">
                    {(p) => (
                      <select {...p} value={proof} onChange={(e) => setProof(e.currentTarget.value as Proof)}>
                        <option value="password">{t('currentPassword')}</option>
                        <option value="totp">{t('totpCode')}</option>
                        <option value="recoveryCode">{t('recoveryCode')}</option>
                      </select>
                    )}
                  </Field>
                  {proof === 'password' ? (
                    <Field label={t('currentPassword')} name="proof" also={[proof]} error={disable.error}>
                      {(p) => (
                        <input
                          {...p}
                          type="password"
                          autoComplete="current-password"
                          required
                          value={proofValue}
                          onInput={(e) => setProofValue(e.currentTarget.value)}
                        />
                      )}
                    </Field>
                  ) : (
                    <CodeField kind={proof} name="proof" also={[proof]} value={proofValue} onInput={setProofValue} error={disable.error} />
                  )}
                  <FormError error={disable.error} fields={['proof', proof]} />
                  <button type="submit" class="secondary" aria-busy={disable.pending} disabled={disable.pending}>
                    {t('secondFactorTurnOff')}
                  </button>
                </fieldset>
              </form>
            </>
          ) : (
            <>
              <p data-testid="second-factor-status">{t('secondFactorIsOff')}</p>
              <Link href="/account/second-factor">{t('secondFactorStart')}</Link>
            </>
          )
        }
      </Loaded>
      <ChangePassword />
    </section>
  );
}

function ChangePassword() {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const change = useAction(async () => {
    if (next !== repeat) throw new ApiError(400, 'client', t('passwordsDiffer'), null, 'repeatPassword');
    try {
      return await call(api.POST('/auth/password', { body: { currentPassword: current, newPassword: next } }));
    } catch (e) {
      throw (e as ApiError).code === 'reauthentication_failed' ? (e as ApiError).blaming('currentPassword') : e;
    }
  });
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (await change.go()) {
          setCurrent('');
          setNext('');
          setRepeat('');
        }
      }}
    >
      <h2>{t('changePassword')}</h2>
      <Field label={t('currentPassword')} name="currentPassword" error={change.error}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label={t('newPassword')} name="newPassword" error={change.error}>
        {(p) => (
          <input {...p} type="password" autoComplete="new-password" required value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        )}
      </Field>
      <Field label={t('repeatPassword')} name="repeatPassword" error={change.error}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            onInput={(e) => setRepeat(e.currentTarget.value)}
          />
        )}
      </Field>
      <FormError error={change.error} fields={['currentPassword', 'newPassword', 'repeatPassword']} />
      {change.result && <Notice>{t('ownPasswordChanged', { n: change.result.otherSessionsEnded })}</Notice>}
      <button type="submit" aria-busy={change.pending} disabled={change.pending}>
        {t('changePassword')}
      </button>
    </form>
  );
}
