/**
 * One error type for the whole platform. Domain code throws AppError with a stable `code`;
 * the HTTP layer (control-plane/api) and the SMTP layer (filters/) each map it in one place.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'payload_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_mismatch'
  | 'quota_exceeded'
  | 'pool_exceeded'
  | 'below_usage'
  | 'precondition_failed'
  /** the request was understood but some of its content was refused (bulk imports: per-row errors) */
  | 'unprocessable'
  | 'rate_limited'
  /** mail: no such recipient on the platform (SMTP 550 5.1.1) */
  | 'recipient_unknown'
  /** mail: the recipient exists but may not receive now: suspended, being deleted (SMTP 550 5.2.1) */
  | 'recipient_disabled'
  /** mail: the recipient's domain is not the platform's; never an open relay (SMTP 554 5.7.1) */
  | 'relay_denied'
  /** mail: more recipients than one message may have (SMTP 452 4.5.3) */
  | 'too_many_recipients'
  /** mail: the content was refused by the tenant's policy (SMTP 550 5.7.1) */
  | 'message_rejected'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 422,
  quota_exceeded: 422,
  pool_exceeded: 422,
  below_usage: 422,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  recipient_unknown: 404,
  recipient_disabled: 403,
  relay_denied: 403,
  too_many_recipients: 422,
  message_rejected: 422,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Whether `message` may be shown to the caller; internal errors are replaced by a generic text. */
  readonly expose: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.expose = code !== 'internal';
    this.details = details;
  }
}

export const notFound = (what: string, id?: string) => new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const invalid = (message: string, details?: unknown) => new AppError('validation_failed', message, details);
export const forbidden = (message = 'not allowed') => new AppError('forbidden', message);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
