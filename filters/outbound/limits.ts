/**
 * Named bounds of the outbound path, each with its reason. What an operator tunes is configuration
 * (POSTWERK_SUBMISSION_*, POSTWERK_SMARTHOST_*, POSTWERK_OUTBOUND_*); these are the fixed ones.
 */

/**
 * Recipients per submitted message. RFC 5321 asks a server to take at least 100; a mail client sending
 * more at once is either a mailing list (which belongs on a list server) or a compromised account.
 */
export const MAX_SUBMISSION_RECIPIENTS = 100;

/** Attempts of one delivery job before BullMQ marks it failed; the outbound sweep then retries it again. */
export const OUTBOUND_JOB_ATTEMPTS = 12;
/** First retry after 1 s, doubling (about an hour over 12 attempts): a smarthost back from a restart is seen at once. */
export const OUTBOUND_BACKOFF_MS = 1000;

/** The outbound sweep's interval: messages whose job Redis lost, or whose job failed for good, are queued again. */
export const OUTBOUND_SWEEP_INTERVAL_MS = 30_000;

/** rspamd's actions that hold an outgoing message (the account may be compromised). */
export const SPAM_HOLD_ACTIONS = ['reject', 'soft reject', 'add header', 'rewrite subject'];

/** DKIM keys: RSA 2048 (RFC 8301: at least 1024, 2048 recommended; fits a TXT record in 255-byte strings). */
export const DKIM_KEY_BITS = 2048;

/** Queue listing page size bounds (API and CLI). */
export const QUEUE_PAGE_MAX = 200;

/** SMTP transactions to the smarthost or an MX: connect and answer timeouts. */
export const SMARTHOST_TIMEOUT_MS = 60_000;

/**
 * Connections kept open to the smarthost per worker process (a pool reused by every message). The
 * pipeline runs PIPELINE_CONCURRENCY jobs at once; a smarthost usually limits connections per client
 * (Postfix: smtpd_client_connection_count_limit 50), so a few, each carrying many messages.
 */
export const SMARTHOST_CONNECTIONS = 8;
