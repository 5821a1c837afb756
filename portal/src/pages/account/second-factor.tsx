import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { CodeField } from '../../components/code-field';
import { FormError, Notice, useTitle } from '../../components/ui';
import { homeFor, useSession } from '../../session';

/**
 * Enrolment of the second factor (TOTP): the API makes a secret and gives it as a QR code (an SVG data
 * URL), as an otpauth URI and in base32 for typing; a code of the app confirms it, and the API answers
 * the recovery codes, shown here once. A user whose role requires a second factor lands here after
 * sign-in and may go nowhere else until it is done (the API refuses them everything else).
 */
export function SecondFactorPage() {
  const { t, date } = useI18n();
  const { me, refresh } = useSession();
  const [, navigate] = useLocation();
  useTitle(t('secondFactorTitle'));
  const status = useResource(() => call(api.GET('/auth/second-factor')), []);
  const start = useAction(async () => call(api.POST('/auth/second-factor/enrolment')));
  const [code, setCode] = useState('');
  const confirm = useAction(async () => call(api.POST('/auth/second-factor/enrolment/confirm', { body: { totp: code } })));
  const enrolment = start.result;
  const confirmed = confirm.result;

  return (
    <section data-page="second-factor" class="narrow">
      <h1>{t('secondFactorTitle')}</h1>
      {me.secondFactorEnrolmentRequired && !confirmed && <Notice>{t('secondFactorRequiredNotice')}</Notice>}
      {confirmed ? (
        <>
          <Notice>{t('secondFactorEnabled')}</Notice>
          <h2>{t('recoveryCodes')}</h2>
          <p>{t('recoveryCodesOnce')}</p>
          <ul class="recovery-codes" data-testid="recovery-codes">
            {confirmed.recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={async () => {
              await refresh();
              navigate(homeFor(me), { replace: true });
            }}
          >
            {t('recoveryCodesSaved')}
          </button>
        </>
      ) : (
        <Loaded res={status}>
          {(s) =>
            s.enrolled ? (
              <>
                <p>{t('secondFactorIsOn', { since: date(s.enrolledAt) })}</p>
                <Link href="/account">{t('navMyAccount')}</Link>
              </>
            ) : !enrolment ? (
              <>
                <p>{t('secondFactorIntro')}</p>
                <FormError error={start.error} />
                <button type="button" aria-busy={start.pending} disabled={start.pending} onClick={() => void start.go()}>
                  {t('secondFactorStart')}
                </button>
              </>
            ) : (
              <>
                <ol>
                  <li>
                    {t('secondFactorScan')}
                    <p>
                      <img class="qr" src={enrolment.qrCode} alt={t('secondFactorQrAlt')} width={200} height={200} />
                    </p>
                    <p>
                      {t('secondFactorTypeSecret')} <code data-testid="totp-secret">{enrolment.secret}</code>
                    </p>
                  </li>
                  <li>
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        void confirm.go();
                      }}
                    >
                      <CodeField
                        kind="totp"
                        name="totp"
                        value={code}
                        onInput={setCode}
                        error={confirm.error}
                        hint={t('secondFactorConfirmBy', { time: date(enrolment.expiresAt, { timeStyle: 'short' }) })}
                      />
                      <FormError error={confirm.error} fields={['totp']} />
                      <button type="submit" aria-busy={confirm.pending} disabled={confirm.pending}>
                        {t('secondFactorConfirm')}
                      </button>
                    </form>
                  </li>
                </ol>
              </>
            )
          }
        </Loaded>
      )}
    </section>
  );
}
