import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values must never reach a log line, at the top of a log object and one or two levels down
 * (`{ row: { password_hash } }`, `{ rows: [{ password_hash }] }`). Column names as the database spells
 * them (rows, knex results) and as the code does.
 */
const SECRET_KEYS = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'token_hash',
  'accessToken',
  'secret',
  // idempotency records: a hash of a request body that may hold a password
  'request_hash',
  // sealed with the platform key, but still nothing a log reader needs
  'credentials_sealed',
  'source_password_sealed',
  'sealed_key',
];

/** Paths that must never reach a log line. */
const REDACT = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  // SQL bind values: a query object's bindings, and PostgreSQL's error detail, which quotes the values of
  // the row that failed ("Key (email)=(…) already exists", "Failing row contains (…, $2b$10$…)")
  'bindings',
  '*.bindings',
  'err.detail',
  '*.err.detail',
];

/**
 * Values a database error message quotes from its input: PostgreSQL's "invalid input syntax for type
 * uuid: "…"" and "invalid input value for enum x: "…"". (The SQL in knex's messages has only placeholders:
 * platform/db sets compileSqlOnError false.)
 */
const QUOTED_INPUT = /(invalid input (?:syntax|value) for (?:type|enum) [^:]+: )"(?:[^"]|"")*"/g;
const scrubMessage = (m: string): string => m.replace(QUOTED_INPUT, '$1"[redacted]"');

/** pino's error serializer, then the quoted input values out of the message and the stack. */
function errSerializer(err: unknown): unknown {
  if (typeof err === 'string') return scrubMessage(err);
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (out && typeof out === 'object') {
    if (typeof out.message === 'string') out.message = scrubMessage(out.message);
    if (typeof out.stack === 'string') out.stack = scrubMessage(out.stack);
  }
  return out;
}

/** The one way to make a logger (the API, workers, the CLI): every one redacts. Default destination stdout. */
export function createLogger(opts: { level: string; name?: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const options = {
    name: opts.name ?? 'postwerk',
    level: opts.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: errSerializer },
    base: { pid: process.pid },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything: for unit tests and library use without a caller logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
