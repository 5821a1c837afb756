// Typed errors of the migrator. Each carries a stable string `code` (imapflow style).
// When platform/errors.ts lands, MigratorError becomes `class MigratorError extends AppError`
// with the same codes; callers switch on `code`, never on message text.

export type MigratorErrorCode =
  | 'MIGRATOR_INVALID_INPUT' // bad options, URL, CSV row, report file
  | 'MIGRATOR_AUTH_FAILED' // the server refused the credentials
  | 'MIGRATOR_CONNECTION' // dropped/refused connection, BYE; retriable
  | 'MIGRATOR_THROTTLED' // server asked us to slow down; retriable
  | 'MIGRATOR_PREFLIGHT_FAILED' // the destination cannot hold what would be copied
  | 'MIGRATOR_APPEND_FAILED' // destination refused one message (per-message, reported)
  | 'MIGRATOR_PROTOCOL' // unexpected server answer
  | 'MIGRATOR_ABORTED' // AbortSignal fired
  | 'MIGRATOR_STATE'; // state store inconsistency

export class MigratorError extends Error {
  readonly code: MigratorErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: MigratorErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigratorError';
    this.code = code;
    this.status = code === 'MIGRATOR_INVALID_INPUT' ? 400 : code === 'MIGRATOR_PREFLIGHT_FAILED' ? 409 : 502;
    this.expose = true;
    this.details = details;
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
