/**
 * The control plane's named limits, each with its reason.
 */

/** RFC 5321 4.5.3.1.1: a local part is at most 64 octets. */
export const MAX_LOCAL_PART = 64;
/** RFC 1035: a domain name is at most 253 characters in its dotted text form, a label at most 63. */
export const MAX_DOMAIN = 253;
export const MAX_LABEL = 63;
/** RFC 5321 4.5.3.1.3 path limit (256 with the angle brackets) bounds the whole address. */
export const MAX_ADDRESS = 254;

/** Display names are shown in the portal and in From headers; longer ones are noise. */
export const MAX_DISPLAY_NAME = 200;

/**
 * Bulk imports: every new password is a bcrypt hash (~60 ms at cost 10 on one core), so 1,000 rows take
 * about a minute. Bigger imports should be split; the body limit is set to fit 1,000 generous rows.
 */
export const MAX_BULK_ROWS = 1000;
export const BULK_BODY_LIMIT = '2mb';
/** A CSV report that lists every bad row of a 1,000-row file is still readable; beyond, rows are counted. */
export const MAX_BULK_ERRORS_REPORTED = 200;

/** Audit exports stream pages of this many rows, so memory stays flat however long the range is. */
export const AUDIT_EXPORT_PAGE = 1000;

/** Mailbox removal after the grace period: a sweep every hour catches purges whose delayed job was lost. */
export const PURGE_SWEEP_EVERY_MS = 3600_000;
/** One sweep enqueues at most this many purges; the next sweep continues. */
export const PURGE_SWEEP_BATCH = 500;

/**
 * Expired staff sessions no longer sign anyone in, but their hashes would pile up forever: a sweep every
 * hour deletes them, this many per statement so one sweep never holds a long lock on the table.
 */
export const SESSION_SWEEP_EVERY_MS = 3600_000;
/** Hourly: a chain quiet since yesterday gets its head anchored within the hour after midnight (UTC). */
export const AUDIT_ANCHOR_EVERY_MS = 3600_000;
export const SESSION_SWEEP_BATCH = 1000;

/** Names shown in lists and headers: control characters and line breaks would forge lines there. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f]*$/;

/**
 * Staff sign-in brakes (shared/sign-in-limits.ts), counted in Redis so they hold across API processes.
 * An operator's password guarded only by the API rate limit (600/min) allows ~860,000 guesses a day;
 * with these, one account gets 10 guesses per 15 minutes (~1,000 a day) and one client address 100.
 */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
/** Failures per account (the e-mail address typed, known or not) before its sign-in locks. */
export const SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 10;
/** Failures per client address (IPv6: its /56) before it locks: spraying many accounts from one place. */
export const SIGN_IN_MAX_FAILURES_PER_ADDRESS = 100;
/** A user mistyping a few times feels no delay; after that each failure answers later, up to the cap. */
export const SIGN_IN_FREE_FAILURES = 3;
export const SIGN_IN_DELAY_STEP_MS = 250;
export const SIGN_IN_MAX_DELAY_MS = 2000;

/**
 * API tokens expire: a token forgotten in a script or a leaked CI variable stops working by itself.
 * 90 days unless the creator chooses otherwise; at most 10 years; `never` only by an operator.
 */
export const TOKEN_DEFAULT_EXPIRY_DAYS = 90;
export const TOKEN_MAX_EXPIRY_DAYS = 3650;

/**
 * Staff second factor (shared/second-factor.ts): TOTP as authenticator apps expect it (RFC 6238 with
 * SHA-1, 6 digits, 30-second steps). One step either side is accepted for clock drift, so a code is
 * good for about 90 seconds, and never twice: the last step used is kept per user.
 */
export const TOTP_ISSUER = 'Postwerk';
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW_STEPS = 1;
/** RFC 4226 section 4 recommends 160-bit shared secrets. */
export const TOTP_SECRET_BYTES = 20;
/** An enrolment not confirmed within this time must be started again (its QR code may have been seen). */
export const TOTP_ENROLMENT_TTL_MS = 15 * 60_000;
/**
 * Recovery codes: each works once. 16 base32 characters are 80 random bits, far beyond an offline
 * search, so a fast SHA-256 at rest suffices (and needs no key that a key rotation would lose).
 */
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_CHARS = 16;

/**
 * Domain ownership (shared/domain-ownership.ts). Pending domains are checked every 10 minutes: DNS
 * changes usually show within minutes, and a tenant waiting longer can ask for a check now. One sweep
 * checks at most this many (least recently checked first), a few at a time, so a sweep over a slow
 * resolver ends before the next one starts (200 / 8 × 2 tries × 3 s = 150 s at worst).
 */
export const DOMAIN_VERIFY_SWEEP_EVERY_MS = 10 * 60_000;
export const DOMAIN_VERIFY_SWEEP_BATCH = 200;
export const DOMAIN_VERIFY_CONCURRENCY = 8;
/** Per DNS query: a healthy resolver answers in milliseconds; an on-demand check answers within ~6 s. */
export const DNS_TIMEOUT_MS = 3000;
export const DNS_TRIES = 2;
/** A domain's TXT records are read whole; more than this many strings is not a verification record set. */
export const MAX_TXT_RECORDS = 50;

/**
 * Client setup: an Autodiscover request is a few hundred bytes (an address and a schema name); 16 KiB
 * leaves room for any client's extras and keeps an anonymous caller from making the parser work hard.
 */
export const MAX_AUTODISCOVER_REQUEST_BYTES = 16 * 1024;
