import type { ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { Field } from './ui';

export type CodeKind = 'totp' | 'recoveryCode';

/**
 * The second factor's code field, one place for what every form that asks for a code needs: the label
 * of its kind, the input's attributes (a six-digit code of the authenticator app, a space allowed as
 * the apps show it, or a recovery code), `one-time-code` autocompletion, and the field's own error
 * block (a wrong or replayed code is shown beside the field, through Field).
 *
 * Keyed by kind: switching between the app's code and a recovery code gives a fresh input, as Preact
 * would otherwise leave an emptied `pattern` behind, which matches nothing.
 */
export function CodeField({
  kind,
  name,
  value,
  onInput,
  error,
  also,
  hint,
}: {
  kind: CodeKind;
  /** the field's name, which the API's error blames (`code`, `totp`, `proof`) */
  name: string;
  value: string;
  onInput(value: string): void;
  error?: ApiError | undefined;
  /** other names an error may blame this field by */
  also?: string[];
  hint?: string;
}) {
  const { t } = useI18n();
  return (
    <Field key={kind} label={t(kind === 'totp' ? 'totpCode' : 'recoveryCode')} name={name} also={also} error={error} hint={hint}>
      {(p) => (
        <input
          {...p}
          type="text"
          required
          autoComplete="one-time-code"
          {...(kind === 'totp' ? { inputMode: 'numeric' as const, pattern: '[0-9 ]{6,7}', maxLength: 7 } : { maxLength: 64 })}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}
