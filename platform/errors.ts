/**
 * One error type for the whole platform. Domain code throws AppError with a stable `code`;
 * the HTTP layer (control-plane/api) and the SMTP layer (filters/) each map it in one place.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  /** client setup: an Autodiscover request that is not well-formed XML, or lacks its EMailAddress */
  | 'malformed_xml'
  | 'payload_too_large'
  /** a body of a type the route does not take (bulk imports: text/csv or JSON only) */
  | 'unsupported_media_type'
  | 'unauthenticated'
  /** an API token past its expiry: create a new one */
  | 'token_expired'
  | 'forbidden'
  /** staff sign-in: the password was right, the account has a second factor: send `totp` or `recoveryCode` too */
  | 'second_factor_required'
  /** staff sign-in: the TOTP code or recovery code is wrong, used already, or a code of a time step already used */
  | 'second_factor_invalid'
  /** the staff user's role must have a second factor (POSTWERK_2FA_REQUIRED_ROLES): enrol first (/auth/second-factor) */
  | 'second_factor_enrolment_required'
  /** a change to one's own credentials (password, second factor) with a wrong current password or code */
  | 'reauthentication_failed'
  /** the caller's tenant is suspended: its staff and tokens are refused until it is resumed */
  | 'tenant_suspended'
  /** a write with a session cookie that the browser says came from another site (CSRF) */
  | 'cross_site_request'
  /** support must say why (Postwerk-Reason header) before reading mail content or resetting a password */
  | 'reason_required'
  | 'not_found'
  | 'conflict'
  /** the domain is pending ownership verification (DNS TXT record): no accounts under it yet */
  | 'domain_unverified'
  | 'idempotency_mismatch'
  | 'quota_exceeded'
  | 'pool_exceeded'
  | 'below_usage'
  | 'precondition_failed'
  /** the request was understood but some of its content was refused (bulk imports: per-row errors) */
  | 'unprocessable'
  | 'rate_limited'
  /** staff sign-in: too many wrong passwords for this address or from this client; wait retryAfterSeconds */
  | 'sign_in_locked'
  /** mail: no such recipient on the platform (SMTP 550 5.1.1) */
  | 'recipient_unknown'
  /** mail: the recipient exists but may not receive now: suspended, being deleted (SMTP 550 5.2.1) */
  | 'recipient_disabled'
  /** mail: the recipient's domain is not the platform's; never an open relay (SMTP 554 5.7.1) */
  | 'relay_denied'
  /** mail: an envelope sender that is not the authenticated account's own address or alias (SMTP 553 5.7.1) */
  | 'sender_denied'
  /** mail: more recipients than one message may have (SMTP 452 4.5.3) */
  | 'too_many_recipients'
  /** mail: the content was refused by the tenant's policy (SMTP 550 5.7.1) */
  | 'message_rejected'
  | 'unavailable'
  | 'internal'
  // the IMAP migrator (migrator/): stable codes of a pass, switched on by its callers
  /** bad options, URL, CSV row, report file */
  | 'MIGRATOR_INVALID_INPUT'
  /** the server refused the credentials */
  | 'MIGRATOR_AUTH_FAILED'
  /** dropped or refused connection, BYE, a failed listing; retriable */
  | 'MIGRATOR_CONNECTION'
  /** the server asked us to slow down; retriable */
  | 'MIGRATOR_THROTTLED'
  /** the destination cannot hold what would be copied */
  | 'MIGRATOR_PREFLIGHT_FAILED'
  /** the destination refused one message (per message, reported) */
  | 'MIGRATOR_APPEND_FAILED'
  /** an unexpected server answer, or a command the server answered NO/BAD */
  | 'MIGRATOR_PROTOCOL'
  /** the pass was cancelled (AbortSignal) */
  | 'MIGRATOR_ABORTED'
  /** state store inconsistency */
  | 'MIGRATOR_STATE';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  malformed_xml: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  token_expired: 401,
  forbidden: 403,
  second_factor_required: 401,
  second_factor_invalid: 401,
  second_factor_enrolment_required: 403,
  reauthentication_failed: 403,
  tenant_suspended: 403,
  cross_site_request: 403,
  reason_required: 400,
  not_found: 404,
  conflict: 409,
  domain_unverified: 409,
  idempotency_mismatch: 422,
  quota_exceeded: 422,
  pool_exceeded: 422,
  below_usage: 422,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  sign_in_locked: 429,
  recipient_unknown: 404,
  recipient_disabled: 403,
  relay_denied: 403,
  sender_denied: 403,
  too_many_recipients: 422,
  message_rejected: 422,
  unavailable: 503,
  internal: 500,
  MIGRATOR_INVALID_INPUT: 400,
  MIGRATOR_AUTH_FAILED: 502,
  MIGRATOR_CONNECTION: 503,
  MIGRATOR_THROTTLED: 503,
  MIGRATOR_PREFLIGHT_FAILED: 409,
  MIGRATOR_APPEND_FAILED: 502,
  MIGRATOR_PROTOCOL: 502,
  MIGRATOR_ABORTED: 503,
  MIGRATOR_STATE: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Whether `message` may be shown to the caller; internal errors are replaced by a generic text. */
  readonly expose: boolean;
  readonly details: unknown;
  /** When the caller may try again (429, 503); the HTTP layer sends it as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.expose = code !== 'internal';
    this.details = details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const notFound = (what: string, id?: string) => new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const invalid = (message: string, details?: unknown) => new AppError('validation_failed', message, details);
export const forbidden = (message = 'not allowed') => new AppError('forbidden', message);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * Exit status of every CLI command (`postwerk …` and `postwerk migrate`), the one map: 0 done (for a
 * migration: verified), 1 failed (not verified), 2 bad input, 3 verified except messages skipped by
 * policy (size cap, APPENDLIMIT): nothing was lost, but not everything is there; 4 altered: nothing is
 * missing, but the destination stores messages with other bytes than the source's (it re-encodes NUL bytes).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2, verifiedExceptSkipped: 3, altered: 4 } as const;

/** Codes whose exit status differs from the rule "below 500 is the caller's input". */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  // the destination is too small: the input is fine, the migration cannot run
  MIGRATOR_PREFLIGHT_FAILED: EXIT.failed,
};

export function exitCodeFor(e: unknown): number {
  if (!isAppError(e)) return EXIT.failed;
  return EXIT_BY_CODE[e.code] ?? (e.status < 500 ? EXIT.badInput : EXIT.failed);
}
