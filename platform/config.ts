import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ROLES, type Role } from './actor';
import { auditKeyFrom, type AuditSettings } from './audit-key';

/**
 * The one typed configuration of every Postwerk process, read from POSTWERK_* environment variables.
 * Defaults are the embedded single-machine mode (SQLite and a local state folder under ./.postwerk);
 * production sets POSTWERK_DB_CLIENT=postgres and points the URLs at real servers.
 */
const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * More proxies than any real deployment chains. A hop count larger than the real chain makes express take
 * the leftmost X-Forwarded-For entry, which the client writes itself.
 */
const MAX_PROXY_HOPS = 10;
/** express's names for address ranges (proxy-addr): loopback, link-local and unique-local addresses. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  const [addr, bits, ...rest] = entry.split('/');
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  if (rest.length || !addr || !isIP(addr)) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128);
}

/** A host name clients are told to connect to: letters, digits, inner hyphens, dot-separated labels. */
const hostName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a host name (like mail.example.net)',
  );

/**
 * Which proxies in front of the API may say who the client is (X-Forwarded-For): a hop count or a comma
 * list of their addresses, as express's `trust proxy` takes them. Never "trust every proxy": then any
 * client could choose its own address for the sign-in limit, the rate limit and the audit log.
 */
const trustProxy = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    if (/^(true|yes|all|\*)$/i.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'trusting every X-Forwarded-For is refused: a client could choose its own address for the sign-in limit and the audit log; ' +
          `give the number of proxies in front of the API (0-${MAX_PROXY_HOPS}, e.g. 1) or their addresses (e.g. 10.0.0.5,10.0.0.0/24,loopback)`,
      });
    } else if (/^\d+$/.test(v)) {
      if (Number(v) > MAX_PROXY_HOPS) ctx.addIssue({ code: 'custom', message: `a hop count is at most ${MAX_PROXY_HOPS}` });
    } else {
      const bad = v
        .split(',')
        .map((p) => p.trim())
        .filter((p) => !isProxyAddress(p));
      if (bad.length)
        ctx.addIssue({
          code: 'custom',
          message: `must be a hop count (0-${MAX_PROXY_HOPS}) or a comma list of proxy addresses (IP, IP/bits, loopback, linklocal, uniquelocal); not ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
        });
    }
  })
  .transform((v): number | string[] => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim())));

/**
 * The staff roles that must have a second factor (TOTP): a comma list of roles, or `none`. A user of such
 * a role who has not enrolled may sign in, but only to enrol (everything else answers 403
 * second_factor_enrolment_required).
 */
const requiredRoles = z
  .string()
  .trim()
  .transform((v, ctx): Role[] => {
    if (v === '' || v === 'none') return [];
    const roles = [...new Set(v.split(',').map((r) => r.trim()))];
    const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (bad.length) {
      ctx.addIssue({
        code: 'custom',
        message: `must be none or a comma list of ${ROLES.join(', ')}; not ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
      });
      return z.NEVER;
    }
    return roles as Role[];
  });

/**
 * DNS servers for the platform's own lookups (domain ownership TXT records): a comma list of IPv4 or
 * IPv6 addresses, each with an optional port (`127.0.0.1:5353`, `[::1]:5353`), as node's
 * `Resolver.setServers` takes them. Unset: the machine's resolvers (/etc/resolv.conf).
 */
function dnsServerProblem(entry: string): string | null {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(entry);
  const [addr, p] = v6 ? [v6[1]!, v6[2]] : v4 ? [v4[1]!, v4[2]] : [entry, undefined];
  if (!isIP(addr)) return `${JSON.stringify(entry)} is not an IP address (names cannot resolve the resolver)`;
  if (p !== undefined && (Number(p) < 1 || Number(p) > 65535)) return `${JSON.stringify(entry)}: port must be 1-65535`;
  return null;
}
const dnsServers = z
  .string()
  .trim()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    if (!list.length) ctx.addIssue({ code: 'custom', message: 'give at least one server, e.g. 127.0.0.1:5353, or leave it unset' });
    for (const entry of list) {
      const problem = dnsServerProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be a comma list of IP[:port] or [IPv6]:port; ${problem}` });
    }
  });

const schema = z
  .object({
    POSTWERK_HOME: z.string().min(1).default('.postwerk'),
    POSTWERK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    POSTWERK_DB_CLIENT: z.enum(['sqlite', 'postgres']).default('sqlite'),
    POSTWERK_DB_FILE: z.string().optional(),
    POSTWERK_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    POSTWERK_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),

    // redis:// or rediss://, or Redis behind Sentinel: redis+sentinel://[:pw@]h1:26379,h2:26379/<master>[/<db>]
    POSTWERK_REDIS_URL: z
      .union([z.url({ protocol: /^rediss?$/ }), z.string().regex(/^rediss?\+sentinel:\/\/(?:[^@/]*@)?[^/]+\/[^/?#]+(?:\/\d+)?\/?$/)])
      .default('redis://127.0.0.1:16379'),

    POSTWERK_IMAP_HOST: z.string().default('127.0.0.1'),
    POSTWERK_IMAP_PORT: port.default(10143),
    POSTWERK_IMAP_TLS: bool.default(false),
    POSTWERK_LMTP_HOST: z.string().optional(),
    POSTWERK_LMTP_PORT: port.default(10024),
    POSTWERK_DOVEADM_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:10245/doveadm/v1'),
    POSTWERK_DOVEADM_API_KEY: z.string().default(''),
    POSTWERK_MASTER_USER: z.string().min(1).default('postwerk'),
    POSTWERK_MASTER_PASSWORD: z.string().default(''),
    POSTWERK_MAIL_ROOT: z.string().optional(),

    POSTWERK_CLAMD_HOST: z.string().default('127.0.0.1'),
    POSTWERK_CLAMD_PORT: port.default(13310),
    POSTWERK_RSPAMD_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:11333'),
    /** rspamd's controller worker (learning); default: the scanner's host on POSTWERK_RSPAMD_CONTROLLER_PORT. */
    POSTWERK_RSPAMD_CONTROLLER_URL: z.url({ protocol: /^https?$/ }).optional(),
    POSTWERK_RSPAMD_CONTROLLER_PORT: port.default(11334),
    POSTWERK_RSPAMD_CONTROLLER_PASSWORD: z.string().default(''),
    /** Encrypted quarantined messages (filters/quarantine). */
    POSTWERK_QUARANTINE_DIR: z.string().optional(),

    /** The SMTP ingress (filters/): where it listens, its TLS certificate, its bounds and its spool. */
    POSTWERK_SMTP_HOST: z.string().default('127.0.0.1'),
    POSTWERK_SMTP_PORT: port.default(10025),
    /** the name in the greeting and in Received headers */
    POSTWERK_SMTP_HOSTNAME: z.string().optional(),
    POSTWERK_SMTP_TLS_CERT: z.string().optional(),
    POSTWERK_SMTP_TLS_KEY: z.string().optional(),
    POSTWERK_SMTP_MAX_MESSAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(50 * 1024 * 1024),
    POSTWERK_SMTP_MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000).default(20),
    // messages waiting for a pipeline worker above which the ingress paces new ones (0: never)
    POSTWERK_SMTP_INFLOW_BACKLOG: z.coerce.number().int().min(0).max(1_000_000).default(32),
    POSTWERK_SPOOL_DIR: z.string().optional(),

    /** Submission (filters/outbound): authenticated clients send here; STARTTLS port and implicit-TLS port. */
    POSTWERK_SUBMISSION_HOST: z.string().default('127.0.0.1'),
    POSTWERK_SUBMISSION_PORT: port.default(10587),
    POSTWERK_SUBMISSION_TLS_PORT: port.default(10465),
    /** how outgoing mail leaves: through the smarthost (default) or straight to the recipient's MX */
    POSTWERK_OUTBOUND_DELIVERY: z.enum(['smarthost', 'mx']).default('smarthost'),
    POSTWERK_SMARTHOST_HOST: z.string().optional(),
    POSTWERK_SMARTHOST_PORT: port.default(25),
    /** none: plain; starttls: STARTTLS required; implicit: TLS from the first byte (port 465) */
    POSTWERK_SMARTHOST_TLS: z.enum(['none', 'starttls', 'implicit']).default('starttls'),
    POSTWERK_SMARTHOST_USER: z.string().optional(),
    POSTWERK_SMARTHOST_PASSWORD: z.string().optional(),
    /** check the smarthost's certificate (off only for a smarthost with a self-signed one on a private network) */
    POSTWERK_SMARTHOST_TLS_VERIFY: bool.default(true),
    /** how long a deferred message is retried before it fails (hours; RFC 5321 4.5.4.1 suggests 4-5 days) */
    POSTWERK_OUTBOUND_RETRY_HOURS: z.coerce
      .number()
      .min(0.001)
      .max(24 * 30)
      .default(120),
    /** sending limits per account and per tenant within the window (a tenant's own setting overrides them) */
    POSTWERK_OUTBOUND_ACCOUNT_LIMIT: z.coerce.number().int().min(1).max(10_000_000).default(100),
    POSTWERK_OUTBOUND_TENANT_LIMIT: z.coerce.number().int().min(1).max(100_000_000).default(1000),
    POSTWERK_OUTBOUND_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(3600),

    POSTWERK_LDAP_URL: z.string().optional(),
    POSTWERK_LDAP_BASE_DN: z.string().optional(),
    POSTWERK_LDAP_BIND_DN: z.string().optional(),
    POSTWERK_LDAP_BIND_PASSWORD: z.string().optional(),

    POSTWERK_API_HOST: z.string().default('127.0.0.1'),
    POSTWERK_API_PORT: port.default(8080),
    POSTWERK_PUBLIC_URL: z.url().optional(),
    /**
     * What mail clients are told (client setup: autoconfig, Autodiscover, Apple profiles, the SRV records
     * a tenant publishes): the public names and ports of IMAP and submission, which may differ from where
     * the servers listen here (a load balancer or a port mapping in front). Hosts default to
     * POSTWERK_PUBLIC_MAIL_HOST, and that to the host of POSTWERK_PUBLIC_URL.
     */
    POSTWERK_PUBLIC_MAIL_HOST: hostName.optional(),
    POSTWERK_PUBLIC_IMAP_HOST: hostName.optional(),
    POSTWERK_PUBLIC_SUBMISSION_HOST: hostName.optional(),
    /** IMAP over implicit TLS (RFC 8314) */
    POSTWERK_PUBLIC_IMAPS_PORT: port.default(993),
    /** IMAP with STARTTLS */
    POSTWERK_PUBLIC_IMAP_PORT: port.default(143),
    /** submission over implicit TLS (RFC 8314) */
    POSTWERK_PUBLIC_SUBMISSIONS_PORT: port.default(465),
    /** submission with STARTTLS (RFC 6409) */
    POSTWERK_PUBLIC_SUBMISSION_PORT: port.default(587),
    /** Requests per minute per client address on the API; 0 turns the limit off (tests, benchmarks). */
    POSTWERK_API_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
    /** a hop count or a comma list of proxy addresses; 0: no proxy, the socket's address is the client's */
    POSTWERK_TRUST_PROXY: trustProxy.default(0),

    /** 32 bytes, hex or base64: encrypts secrets at rest (migration source credentials). */
    POSTWERK_SECRET_KEY: z.string().optional(),
    /**
     * Platform keys used before the current one (comma list, hex or base64): audit entries keyed with
     * an audit key derived from one of them still verify after a rotation.
     */
    POSTWERK_PREVIOUS_SECRET_KEYS: z.string().optional(),
    /** The append-only file of daily audit chain heads; default <POSTWERK_HOME>/audit/heads.log. */
    POSTWERK_AUDIT_HEADS_FILE: z.string().min(1).optional(),
    /** bcrypt cost for account and staff passwords (Dovecot verifies them as BLF-CRYPT). */
    /** staff roles that must enrol a second factor (TOTP) before they may do anything but enrol; `none` for nobody */
    POSTWERK_2FA_REQUIRED_ROLES: requiredRoles.default(['operator', 'support']),
    POSTWERK_PASSWORD_COST: z.coerce.number().int().min(4).max(15).default(10),
    POSTWERK_DELETE_GRACE_DAYS: z.coerce.number().min(0).max(3650).default(30),
    /** Let tenant webhooks reach loopback/private addresses (tests, or a provider's internal receivers). */
    POSTWERK_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    /** Let migration projects name a source (or relay) host on loopback/private addresses (tests, an internal server). */
    POSTWERK_MIGRATION_ALLOW_PRIVATE: bool.default(false),
    /** The operators' webhook: every probe incident opened or closed is POSTed there (operability/); unset: none. */
    POSTWERK_OPERATOR_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Where the backup store keeps its encrypted message bodies (one folder per tenant). */
    POSTWERK_BACKUP_DIR: z.string().optional(),
    /** Resolvers for domain ownership checks; unset: the machine's. */
    POSTWERK_DNS_SERVERS: dnsServers.optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.POSTWERK_SMTP_TLS_CERT !== !env.POSTWERK_SMTP_TLS_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: [env.POSTWERK_SMTP_TLS_CERT ? 'POSTWERK_SMTP_TLS_KEY' : 'POSTWERK_SMTP_TLS_CERT'],
        message: 'POSTWERK_SMTP_TLS_CERT and POSTWERK_SMTP_TLS_KEY go together (PEM files of the certificate and its key)',
      });
    }
    if (!env.POSTWERK_SMARTHOST_USER !== !env.POSTWERK_SMARTHOST_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: [env.POSTWERK_SMARTHOST_USER ? 'POSTWERK_SMARTHOST_PASSWORD' : 'POSTWERK_SMARTHOST_USER'],
        message: 'POSTWERK_SMARTHOST_USER and POSTWERK_SMARTHOST_PASSWORD go together (the smarthost login)',
      });
    }
    if (env.POSTWERK_DB_CLIENT === 'postgres' && !env.POSTWERK_DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['POSTWERK_DATABASE_URL'],
        message: 'is required when POSTWERK_DB_CLIENT=postgres (e.g. postgres://user@host:5432/postwerk)',
      });
    }
  });

export type Env = z.infer<typeof schema>;

export interface Config {
  home: string;
  logLevel: Env['POSTWERK_LOG_LEVEL'];
  db: { client: 'sqlite'; filename: string; poolMax: number } | { client: 'postgres'; url: string; poolMax: number };
  redisUrl: string;
  dovecot: {
    imapHost: string;
    imapPort: number;
    imapTls: boolean;
    lmtpHost: string;
    lmtpPort: number;
    doveadmUrl: string;
    doveadmApiKey: string;
    masterUser: string;
    masterPassword: string;
    mailRoot: string;
  };
  clamd: { host: string; port: number };
  rspamdUrl: string;
  smtp: {
    host: string;
    port: number;
    hostname: string;
    /** PEM files; both null in the embedded mode (a self-signed pair is generated into the state folder) */
    tlsCert: string | null;
    tlsKey: string | null;
    maxMessageBytes: number;
    maxConnectionsPerClient: number;
    /** waiting pipeline jobs above which MAIL FROM is answered late (filters/smtp/inflow.ts); 0 never */
    inflowBacklog: number;
    spoolDir: string;
  };
  /** Submission and the outbound queue (filters/outbound) */
  outbound: {
    submission: { host: string; port: number; tlsPort: number };
    delivery: 'smarthost' | 'mx';
    smarthost: {
      host: string;
      port: number;
      tls: 'none' | 'starttls' | 'implicit';
      user: string | null;
      password: string | null;
      verifyTls: boolean;
    } | null;
    retryMs: number;
    accountLimit: number;
    tenantLimit: number;
    windowSeconds: number;
  };
  rspamdController: { url: string; password: string };
  quarantineDir: string;
  ldap: { url: string; baseDn: string; bindDn: string; bindPassword: string } | null;
  api: { host: string; port: number; publicUrl: string; rateLimitPerMinute: number; trustProxy: number | string[] };
  /** what mail clients are told (tenancy/client-setup): public endpoints, not where the servers listen here */
  clientSetup: ClientSetupSettings;
  secretKey: Buffer;
  /**
   * The audit chain (platform/audit.ts): its HMAC keys, derived from the platform key and the previous
   * ones (current first), and the append-only file its daily heads are written to.
   */
  audit: AuditSettings;
  /** staff roles that must have a second factor (POSTWERK_2FA_REQUIRED_ROLES) */
  secondFactorRequiredRoles: Role[];
  passwordCost: number;
  deleteGraceDays: number;
  webhookAllowPrivate: boolean;
  migrationAllowPrivate: boolean;
  /** where probe incidents are POSTed for the operators (POSTWERK_OPERATOR_WEBHOOK_URL); null: nowhere */
  operatorWebhookUrl: string | null;
  backup: { dir: string };
  /** resolvers of the platform's own DNS lookups (domain ownership); null: the machine's */
  dns: { servers: string[] | null };
}

export interface ClientSetupSettings {
  imapHost: string;
  /** implicit TLS; STARTTLS */
  imapsPort: number;
  imapPort: number;
  submissionHost: string;
  /** implicit TLS; STARTTLS */
  submissionsPort: number;
  submissionPort: number;
  /** where autoconfig and Autodiscover are answered: the API's public origin (the CNAME and SRV target) */
  webHost: string;
  webPort: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = String(issue.path[0] ?? 'environment');
  const got = env[name];
  let allowed = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue) allowed = `must be one of ${issue.values.join(', ')}`;
  return `${name}${got !== undefined ? `=${JSON.stringify(got)}` : ''}: ${allowed}`;
}

function keyFromText(raw: string, name: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError([`${name}: must be 32 bytes as 64 hex characters or base64`]);
  return key;
}

function parseSecretKey(raw: string | undefined, home: string): Buffer {
  if (raw) return keyFromText(raw, 'POSTWERK_SECRET_KEY');
  // Embedded mode: one key per state folder, created on first use and kept beside the data it protects.
  return stateFolderKey(home);
}

const KEY_FILE_HEX = /^[0-9a-f]{64}$/;

/**
 * The state folder's secret.key: read when it exists, else created so that two processes starting at once
 * (API and worker) end with the same key. The new key is written whole into a file of this process's own
 * (O_EXCL, mode 0600 from the start, fsynced) and then hard-linked to secret.key: link() fails with EEXIST
 * when another process got there first, and then that process's key is read. So secret.key never exists
 * empty or half written, whoever reads it, and there is no moment when two keys are in use.
 */
export function stateFolderKey(home: string): Buffer {
  const file = path.join(home, 'secret.key');
  const read = (): Buffer | null => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    if (!KEY_FILE_HEX.test(text))
      throw new ConfigError([`${file}: not a key (64 hex characters); restore it from a backup, or set POSTWERK_SECRET_KEY`]);
    return Buffer.from(text, 'hex');
  };
  const existing = read();
  if (existing) return existing;
  fs.mkdirSync(home, { recursive: true, mode: 0o755 });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, key.toString('hex'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // another process created it first: its key is the folder's key
    const winner = read();
    if (!winner) throw new ConfigError([`${file}: vanished while it was being created; start again`]);
    return winner;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** rspamd's controller listens beside its scanner: same host, its own port. */
function controllerUrl(scannerUrl: string, port: number): string {
  const u = new URL(scannerUrl);
  u.port = String(port);
  return u.origin;
}

function clientSetupSettings(e: Env, publicUrl: string): ClientSetupSettings {
  const web = new URL(publicUrl);
  const webHost = web.hostname.replace(/^\[(.*)\]$/, '$1');
  const mailHost = e.POSTWERK_PUBLIC_MAIL_HOST ?? webHost;
  return {
    imapHost: e.POSTWERK_PUBLIC_IMAP_HOST ?? mailHost,
    imapsPort: e.POSTWERK_PUBLIC_IMAPS_PORT,
    imapPort: e.POSTWERK_PUBLIC_IMAP_PORT,
    submissionHost: e.POSTWERK_PUBLIC_SUBMISSION_HOST ?? mailHost,
    submissionsPort: e.POSTWERK_PUBLIC_SUBMISSIONS_PORT,
    submissionPort: e.POSTWERK_PUBLIC_SUBMISSION_PORT,
    webHost,
    webPort: web.port ? Number(web.port) : web.protocol === 'https:' ? 443 : 80,
  };
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, env)));
  const e = parsed.data;
  const home = path.resolve(e.POSTWERK_HOME);
  const apiUrl = e.POSTWERK_PUBLIC_URL ?? `http://${e.POSTWERK_API_HOST}:${e.POSTWERK_API_PORT}`;
  const secretKey = parseSecretKey(e.POSTWERK_SECRET_KEY, home);
  const previousKeys = (e.POSTWERK_PREVIOUS_SECRET_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => keyFromText(k, 'POSTWERK_PREVIOUS_SECRET_KEYS'));
  return {
    home,
    logLevel: e.POSTWERK_LOG_LEVEL,
    db:
      e.POSTWERK_DB_CLIENT === 'postgres'
        ? { client: 'postgres', url: e.POSTWERK_DATABASE_URL!, poolMax: e.POSTWERK_DB_POOL_MAX }
        : {
            client: 'sqlite',
            filename: path.resolve(e.POSTWERK_DB_FILE ?? path.join(home, 'postwerk.db')),
            poolMax: 1,
          },
    redisUrl: e.POSTWERK_REDIS_URL,
    dovecot: {
      imapHost: e.POSTWERK_IMAP_HOST,
      imapPort: e.POSTWERK_IMAP_PORT,
      imapTls: e.POSTWERK_IMAP_TLS,
      lmtpHost: e.POSTWERK_LMTP_HOST ?? e.POSTWERK_IMAP_HOST,
      lmtpPort: e.POSTWERK_LMTP_PORT,
      doveadmUrl: e.POSTWERK_DOVEADM_URL,
      doveadmApiKey: e.POSTWERK_DOVEADM_API_KEY,
      masterUser: e.POSTWERK_MASTER_USER,
      masterPassword: e.POSTWERK_MASTER_PASSWORD,
      mailRoot: path.resolve(e.POSTWERK_MAIL_ROOT ?? path.join(home, 'mail')),
    },
    clamd: { host: e.POSTWERK_CLAMD_HOST, port: e.POSTWERK_CLAMD_PORT },
    rspamdUrl: e.POSTWERK_RSPAMD_URL,
    smtp: {
      host: e.POSTWERK_SMTP_HOST,
      port: e.POSTWERK_SMTP_PORT,
      hostname: e.POSTWERK_SMTP_HOSTNAME ?? require('node:os').hostname(),
      tlsCert: e.POSTWERK_SMTP_TLS_CERT ? path.resolve(e.POSTWERK_SMTP_TLS_CERT) : null,
      tlsKey: e.POSTWERK_SMTP_TLS_KEY ? path.resolve(e.POSTWERK_SMTP_TLS_KEY) : null,
      maxMessageBytes: e.POSTWERK_SMTP_MAX_MESSAGE_BYTES,
      maxConnectionsPerClient: e.POSTWERK_SMTP_MAX_CONNECTIONS_PER_CLIENT,
      inflowBacklog: e.POSTWERK_SMTP_INFLOW_BACKLOG,
      spoolDir: path.resolve(e.POSTWERK_SPOOL_DIR ?? path.join(home, 'spool')),
    },
    outbound: {
      submission: { host: e.POSTWERK_SUBMISSION_HOST, port: e.POSTWERK_SUBMISSION_PORT, tlsPort: e.POSTWERK_SUBMISSION_TLS_PORT },
      delivery: e.POSTWERK_OUTBOUND_DELIVERY,
      smarthost: e.POSTWERK_SMARTHOST_HOST
        ? {
            host: e.POSTWERK_SMARTHOST_HOST,
            port: e.POSTWERK_SMARTHOST_PORT,
            tls: e.POSTWERK_SMARTHOST_TLS,
            user: e.POSTWERK_SMARTHOST_USER ?? null,
            password: e.POSTWERK_SMARTHOST_PASSWORD ?? null,
            verifyTls: e.POSTWERK_SMARTHOST_TLS_VERIFY,
          }
        : null,
      retryMs: Math.round(e.POSTWERK_OUTBOUND_RETRY_HOURS * 3600_000),
      accountLimit: e.POSTWERK_OUTBOUND_ACCOUNT_LIMIT,
      tenantLimit: e.POSTWERK_OUTBOUND_TENANT_LIMIT,
      windowSeconds: e.POSTWERK_OUTBOUND_WINDOW_SECONDS,
    },
    rspamdController: {
      url: e.POSTWERK_RSPAMD_CONTROLLER_URL ?? controllerUrl(e.POSTWERK_RSPAMD_URL, e.POSTWERK_RSPAMD_CONTROLLER_PORT),
      password: e.POSTWERK_RSPAMD_CONTROLLER_PASSWORD,
    },
    quarantineDir: path.resolve(e.POSTWERK_QUARANTINE_DIR ?? path.join(home, 'quarantine')),
    ldap: e.POSTWERK_LDAP_URL
      ? {
          url: e.POSTWERK_LDAP_URL,
          baseDn: e.POSTWERK_LDAP_BASE_DN ?? '',
          bindDn: e.POSTWERK_LDAP_BIND_DN ?? '',
          bindPassword: e.POSTWERK_LDAP_BIND_PASSWORD ?? '',
        }
      : null,
    api: {
      host: e.POSTWERK_API_HOST,
      port: e.POSTWERK_API_PORT,
      publicUrl: apiUrl,
      rateLimitPerMinute: e.POSTWERK_API_RATE_LIMIT,
      trustProxy: e.POSTWERK_TRUST_PROXY,
    },
    clientSetup: clientSetupSettings(e, apiUrl),
    secretKey,
    audit: {
      keys: [secretKey, ...previousKeys].map(auditKeyFrom),
      headsFile: path.resolve(e.POSTWERK_AUDIT_HEADS_FILE ?? path.join(home, 'audit', 'heads.log')),
    },
    secondFactorRequiredRoles: e.POSTWERK_2FA_REQUIRED_ROLES,
    passwordCost: e.POSTWERK_PASSWORD_COST,
    deleteGraceDays: e.POSTWERK_DELETE_GRACE_DAYS,
    webhookAllowPrivate: e.POSTWERK_WEBHOOK_ALLOW_PRIVATE,
    migrationAllowPrivate: e.POSTWERK_MIGRATION_ALLOW_PRIVATE,
    operatorWebhookUrl: e.POSTWERK_OPERATOR_WEBHOOK_URL ?? null,
    backup: { dir: path.resolve(e.POSTWERK_BACKUP_DIR ?? path.join(home, 'backup')) },
    dns: { servers: e.POSTWERK_DNS_SERVERS ?? null },
  };
}

/** Reads NAME=value lines (the stack's stack.env) into an object; `#` comments and blank lines ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}
