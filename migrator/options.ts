// Typed, zod-validated inputs of the engine. Types come from z.infer.
import { z } from 'zod';
import { MigratorError } from './errors';
import { DEFAULT_MAX_CONNECTIONS_PER_HOST, DEFAULT_PARALLEL_FOLDERS } from './limits';

export const endpointSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** tls: implicit TLS (imaps); starttls: upgrade required; plain: no TLS (loopback/tests). */
    security: z.enum(['tls', 'starttls', 'plain']),
    /** The mailbox to open (the user being migrated). */
    user: z.string().min(1),
    /** Admin/master identity that authenticates on behalf of `user`. */
    authUser: z.string().min(1).optional(),
    /** How an authUser is presented: SASL PLAIN authorization identity, or Dovecot-style
     * `user<separator>admin` login name. */
    masterStyle: z.enum(['sasl', 'separator']).default('sasl'),
    masterSeparator: z.string().min(1).default('*'),
    /** Password of `authUser` when set, else of `user`. */
    password: z.string().optional(),
    /** XOAUTH2: a fixed token, or a command printing a fresh token on stdout. */
    accessToken: z.string().optional(),
    tokenCommand: z.string().optional(),
    /** Accept a self-signed/unknown certificate. */
    insecure: z.boolean().default(false),
  })
  .refine((e) => e.password !== undefined || e.accessToken !== undefined || e.tokenCommand !== undefined, {
    message: 'a password, access token or token command is required',
  });
export type Endpoint = z.infer<typeof endpointSchema>;
export type EndpointInput = z.input<typeof endpointSchema>;

export const migrationOptionsSchema = z.object({
  /** Source folders to include (patterns on the `/`-joined decoded name); empty = all. */
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  /** Explicit rename map: source name (`/`-joined) → destination name (`/`-joined). */
  folderMap: z.record(z.string(), z.string().min(1)).default({}),
  /** Copy Gmail's \All (All Mail) and \Important label views; off: they duplicate other folders. */
  includeGmailVirtual: z.boolean().default(false),
  /** Skip (and report) messages larger than this. */
  maxMessageBytes: z.number().int().positive().optional(),
  /** Delete from the destination what was deleted at the source since the last pass. */
  propagateDeletions: z.boolean().default(false),
  /** Sync flag changes of already copied messages. */
  syncFlags: z.boolean().default(true),
  dryRun: z.boolean().default(false),
  parallelFolders: z.number().int().min(1).max(32).default(DEFAULT_PARALLEL_FOLDERS),
  maxConnectionsPerHost: z.number().int().min(1).max(100).default(DEFAULT_MAX_CONNECTIONS_PER_HOST),
  /** Optional cap on source bytes read per second (per pass). */
  bytesPerSecond: z.number().int().positive().optional(),
  /** Use MULTIAPPEND when the destination offers it. */
  multiappend: z.boolean().default(true),
  /** Refuse to start when pre-flight finds the quota too small (otherwise copy what fits). */
  failOnQuota: z.boolean().default(true),
  /** Restrict the pass to these source UIDs per source folder (retry-failed). */
  onlyUids: z.record(z.string(), z.array(z.number().int().positive())).optional(),
});
export type MigrationOptions = z.infer<typeof migrationOptionsSchema>;

/**
 * full: everything not yet copied; delta: what changed since the last pass (a message whose
 * destination copy vanished is copied again). catchup: a pass after the switch, when the destination
 * is the user's live mailbox: only source messages without a record are copied, never one whose
 * destination copy the user removed; no deletion is propagated, no folder the user deleted is
 * re-created, and a source flag change applies only where the destination still has the flags the
 * migrator set.
 */
export const passModeSchema = z.enum(['full', 'delta', 'catchup']);
export type PassMode = z.infer<typeof passModeSchema>;
export type MigrationOptionsInput = z.input<typeof migrationOptionsSchema>;

export function parseOptions(input: MigrationOptionsInput | undefined): MigrationOptions {
  const r = migrationOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new MigratorError('MIGRATOR_INVALID_INPUT', `invalid migration options: ${z.prettifyError(r.error)}`);
  return r.data;
}

export function parseEndpoint(input: EndpointInput, what: string): Endpoint {
  const r = endpointSchema.safeParse(input);
  if (!r.success) throw new MigratorError('MIGRATOR_INVALID_INPUT', `invalid ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * Parses `imap[s]://USER@HOST[:PORT]` (USER may be percent-encoded, e.g. alice%40example.com,
 * or contain a raw `@`: the last `@` separates the host). Password never comes from the URL.
 */
export function parseImapUrl(url: string, what: string): Pick<Endpoint, 'host' | 'port' | 'security' | 'user'> {
  const m = /^(imaps?|imap\+starttls):\/\/(.+)@([^@/:]+|\[[0-9a-f:]+\])(?::(\d+))?\/?$/i.exec(url.trim());
  if (!m) throw new MigratorError('MIGRATOR_INVALID_INPUT', `${what}: expected imap[s]://USER@HOST[:PORT], got "${url}"`);
  const scheme = m[1].toLowerCase();
  let user: string;
  try {
    user = decodeURIComponent(m[2]);
  } catch {
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `${what}: user part is not valid percent-encoding`);
  }
  if (/:/.test(m[2]) && !/%3a/i.test(m[2]) && m[2].includes(':'))
    throw new MigratorError('MIGRATOR_INVALID_INPUT', `${what}: do not put a password in the URL; use a password file or env variable`);
  const security = scheme === 'imaps' ? 'tls' : scheme === 'imap+starttls' ? 'starttls' : 'plain';
  const port = m[4] ? Number(m[4]) : scheme === 'imaps' ? 993 : 143;
  if (port < 1 || port > 65535) throw new MigratorError('MIGRATOR_INVALID_INPUT', `${what}: port ${port} out of range`);
  return { host: m[3].replace(/^\[|\]$/g, ''), port, security, user };
}
