/**
 * Named bounds of the inbound path, each with its reason. Sizes and connection counts that an operator
 * tunes are configuration (platform/config.ts: POSTWERK_SMTP_*); these are the fixed ones.
 */

/** RFC 5321 4.5.3.1.8 asks a server to take at least 100 recipients; more is a spam run. Beyond: 452 4.5.3. */
export const MAX_RECIPIENTS_PER_MESSAGE = 100;

/** An SMTP session that idles this long is closed (RFC 5321 4.5.3.2.7 suggests 5 minutes). */
export const SMTP_SOCKET_TIMEOUT_MS = 5 * 60_000;

/** Time to close open sessions on shutdown before they are cut. */
export const SMTP_CLOSE_TIMEOUT_MS = 10_000;

/** clamd answers a normal mail in milliseconds; a stalled clamd must not hold a worker for long. */
export const CLAMD_TIMEOUT_MS = 30_000;

/** rspamd answers in about 10 ms; beyond this it counts as down and the message waits. */
export const RSPAMD_TIMEOUT_MS = 15_000;

/** LMTP and relay transactions: connect and answer timeouts (Dovecot on loopback answers in ms). */
export const DELIVERY_TIMEOUT_MS = 60_000;

/**
 * Delivery attempts per target with a temporary failure before it is recorded as failed (the message is
 * kept in spool/failed for an operator). With the job backoff this spans about an hour.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;

/**
 * Pipeline jobs one worker process runs at once. A message spends most of its time waiting on clamd,
 * rspamd and LMTP (all on other processes), so a worker keeps many in flight; clamd's own MaxThreads
 * and the LMTP server bound the real parallelism behind it.
 */
export const PIPELINE_CONCURRENCY = 24;

/**
 * Inflow pacing (smtp/inflow.ts, after Postfix's in_flow_delay): while more messages wait for a worker
 * than config.smtp.inflowBacklog, MAIL FROM is answered after pauses of INFLOW_PAUSE_MS, at most
 * INFLOW_MAX_DELAY_MS per message (then accepted anyway: mail is slowed, never refused). The backlog
 * is read from Redis at most every INFLOW_REFRESH_MS, shared by all sessions.
 */
export const INFLOW_PAUSE_MS = 100;
export const INFLOW_MAX_DELAY_MS = 1000;
export const INFLOW_REFRESH_MS = 100;

/** Attempts of one pipeline job before BullMQ marks it failed; the spool sweep then retries it again. */
export const PIPELINE_JOB_ATTEMPTS = 12;
/** First retry after 1 s, doubling: clamd or rspamd back from a restart are seen within seconds. */
export const PIPELINE_BACKOFF_MS = 1000;

/**
 * How often the spool sweep compares the spool with the queue: a message whose job is missing (Redis
 * wiped or restarted) or failed for good while a target is not final is enqueued again.
 */
export const SPOOL_SWEEP_INTERVAL_MS = 30_000;

/** Temp files younger than this may belong to a DATA in progress in another process sharing the spool. */
export const SPOOL_TMP_MAX_AGE_MS = 60 * 60_000;

/** Messages at most this big are scanned before the DATA reply (so a `reject` decision can be a 550). */
export const INLINE_SCAN_MAX_BYTES = 512 * 1024;
/** Time budget of the scan before the DATA reply; beyond it the message is accepted and decided later. */
export const INLINE_SCAN_BUDGET_MS = 5_000;
