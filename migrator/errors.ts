// The migrator's errors: AppErrors (platform/errors.ts) with a stable MIGRATOR_* code, so the
// HTTP layer and the CLI map them like every other error; callers switch on `code`, never on text.
import { AppError, type ErrorCode } from '../platform/errors';

export type MigratorErrorCode = Extract<ErrorCode, `MIGRATOR_${string}`>;

export class MigratorError extends AppError {
  declare readonly code: MigratorErrorCode;
  declare readonly details: Record<string, unknown> | undefined;

  constructor(code: MigratorErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'MigratorError';
  }
}

export function isMigratorError(err: unknown, code?: MigratorErrorCode): err is MigratorError {
  return err instanceof MigratorError && (code === undefined || err.code === code);
}

const RETRIABLE_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectTLS',
  'ClosedAfterConnectText',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
]);

// Throttling answers seen in the wild: Gmail "[THROTTLED]", Exchange "Server Unavailable",
// RFC 5530 [UNAVAILABLE] / [LIMIT], Dovecot "Too many" connections.
const THROTTLE_TEXT = /\[(THROTTLED|UNAVAILABLE|LIMIT|INUSE)\]|throttl|too many|try again later|server unavailable/i;

/** Whether an error is worth a reconnect-and-continue (connection drop, BYE, throttling). */
export function isRetriable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if (err instanceof MigratorError) return err.code === 'MIGRATOR_CONNECTION' || err.code === 'MIGRATOR_THROTTLED';
  const e = err as { code?: string; message?: string; responseText?: string; serverResponseCode?: string };
  if (e.code && RETRIABLE_NODE_CODES.has(e.code)) return true;
  if (e.serverResponseCode && /^(UNAVAILABLE|LIMIT|INUSE|THROTTLED)$/i.test(e.serverResponseCode)) return true;
  const text = `${e.message ?? ''} ${e.responseText ?? ''}`;
  return THROTTLE_TEXT.test(text) || /connection (closed|not available)|socket|BYE/i.test(text);
}

export function isThrottle(err: unknown): boolean {
  if (err instanceof MigratorError) return err.code === 'MIGRATOR_THROTTLED';
  const e = err as { message?: string; responseText?: string; serverResponseCode?: string } | undefined;
  return (
    !!e &&
    (THROTTLE_TEXT.test(`${e.message ?? ''} ${e.responseText ?? ''}`) ||
      /^(UNAVAILABLE|LIMIT|THROTTLED)$/i.test(e.serverResponseCode ?? ''))
  );
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { responseText?: string; code?: string };
    return e.responseText ? `${e.message}: ${e.responseText}` : e.message;
  }
  return String(err);
}
