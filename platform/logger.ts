import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that must never reach a log line. */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'passwordHash',
  '*.passwordHash',
  'accessToken',
  '*.accessToken',
];

export function createLogger(opts: { level: string; name?: string; pretty?: boolean }): Logger {
  return pino({
    name: opts.name ?? 'postwerk',
    level: opts.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
  });
}

/** A logger that drops everything: for unit tests and library use without a caller logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
