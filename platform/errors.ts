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
