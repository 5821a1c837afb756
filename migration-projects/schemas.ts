import { z } from 'zod';
import { migrationOptionsSchema } from '../migrator';
import { CSV_MAX_ROWS, MAX_CATCHUP_WINDOW_MS, MAX_DELTA_INTERVAL_MS, MIN_CATCHUP_INTERVAL_MS, MIN_DELTA_INTERVAL_MS } from './limits';

/**
 * zod schemas of the migration projects' inputs (API bodies, CLI options, CSV rows, stored JSON).
 * Types come from z.infer.
 */

/** The engine options an engineer may set per project; dryRun and onlyUids belong to the engine's own CLI. */
export const projectOptionsSchema = migrationOptionsSchema
  .pick({
    include: true,
    exclude: true,
    folderMap: true,
    includeGmailVirtual: true,
    maxMessageBytes: true,
    propagateDeletions: true,
    syncFlags: true,
    parallelFolders: true,
    maxConnectionsPerHost: true,
    bytesPerSecond: true,
    multiappend: true,
    failOnQuota: true,
  })
  .extend({
    /** The engineer accepts that messages skipped by policy (size cap, APPENDLIMIT) stay behind: the
     * cut-over then switches an account that is "verified except N skipped". Off: it refuses. */
    acceptSkipped: z.boolean().default(false),
  })
  .strict();
export type ProjectOptions = z.input<typeof projectOptionsSchema>;

export const sourceServerSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'plain']),
  /** Accept a self-signed or unknown certificate (say so explicitly; the default verifies it). */
  insecure: z.boolean().default(false),
  /** The old server's SMTP: until an account's switch, the ingress relays its inbound mail there (filters/). */
  smtpRelay: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .max(253)
        .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address'),
      port: z.number().int().min(1).max(65535),
    })
    .optional(),
});

export const sourceAuthSchema = z.discriminatedUnion('method', [
  /** Each account's own password, from the CSV's source_password column. */
  z.strictObject({ method: z.literal('password') }),
  /** One admin/master identity for every account (SASL PLAIN authorization identity, or Dovecot `user*master`). */
  z.strictObject({
    method: z.literal('master'),
    user: z.string().min(1).max(320),
    password: z.string().min(1).max(1000),
    style: z.enum(['sasl', 'separator']).default('sasl'),
    separator: z.string().min(1).max(4).default('*'),
  }),
  /**
   * XOAUTH2: a command run on the worker that prints a fresh access token; `{user}` is replaced by the
   * shell-quoted source user. It runs with the worker's rights, so only operators may set it.
   */
  z.strictObject({ method: z.literal('xoauth2'), tokenCommand: z.string().min(1).max(2000) }),
]);
export type SourceAuth = z.infer<typeof sourceAuthSchema>;

const hours = (maxMs: number) =>
  z
    .number()
    .min(0)
    .max(maxMs / 3600_000);

/** Whether Intl knows the zone (Node ships the full time zone database). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const createProjectSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  source: sourceServerSchema,
  auth: sourceAuthSchema,
  options: projectOptionsSchema.prefault({}),
  catchupWindowHours: hours(MAX_CATCHUP_WINDOW_MS).optional(),
  catchupIntervalSeconds: z
    .number()
    .int()
    .min(MIN_CATCHUP_INTERVAL_MS / 1000)
    .max(24 * 3600)
    .optional(),
  /** IANA time zone the cut-over is shown and scheduled in (`Europe/Berlin`). */
  timeZone: z.string().max(64).refine(isTimeZone, 'is not an IANA time zone (like Europe/Berlin)').default('UTC'),
  /** source_user,destination_address[,source_password] with a header line. */
  accountsCsv: z.string().min(1),
});
export type CreateProjectInput = z.input<typeof createProjectSchema>;

export const deltaScheduleSchema = z.strictObject({
  intervalMinutes: z
    .number()
    .min(MIN_DELTA_INTERVAL_MS / 60_000)
    .max(MAX_DELTA_INTERVAL_MS / 60_000),
});

export const cutoverSchema = z.strictObject({
  /** ISO-8601 with a zone (`2026-12-01T22:00:00Z`, `…+01:00`): a cut-over time without one is ambiguous. */
  at: z.iso.datetime({ offset: true }),
  catchupWindowHours: hours(MAX_CATCHUP_WINDOW_MS).optional(),
});

export const accountSelectionSchema = z.strictObject({
  accountIds: z.array(z.uuid()).min(1).max(CSV_MAX_ROWS).optional(),
});

export const rollbackSchema = z.strictObject({ reason: z.string().max(500).optional() });

/** One CSV row after header mapping; addresses are compared lower-case. */
export const csvRowSchema = z.strictObject({
  source_user: z.string().trim().min(1, 'is empty').max(320),
  destination_address: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: 'is not an e-mail address' }).max(320)),
  source_password: z
    .string()
    .max(1000)
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
});
export type CsvRow = z.infer<typeof csvRowSchema>;
