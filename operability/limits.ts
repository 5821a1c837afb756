/**
 * Every bound, interval and default of the operability module, each with its reason.
 */

/** Default probe interval: one a minute, what a customer's "was it down?" is counted in. */
export const DEFAULT_PROBE_EVERY_SECONDS = 60;
/** Shortest interval a tenant may set: tests shorten it to seconds; anything shorter measures the probe itself. */
export const MIN_PROBE_EVERY_SECONDS = 2;
/** Longest interval: a probe a day still says something; beyond it there is no SLA to speak of. */
export const MAX_PROBE_EVERY_SECONDS = 24 * 3600;

/** Default monthly availability target, percent (three nines: 43 minutes a month). */
export const DEFAULT_AVAILABILITY_TARGET = 99.9;
/** Default target of the login step's p95 latency: a user notices half a second. */
export const DEFAULT_LOGIN_P95_TARGET_MS = 500;
/** Consecutive failed runs that open an incident: one failure is a blip, three are a pattern (three minutes at the default rate). */
export const DEFAULT_FAILURES_TO_OPEN = 3;
/** Minutes of login latency over the target that open a latency incident. */
export const DEFAULT_SLOW_MINUTES_TO_OPEN = 5;

/** One IMAP step (connect+login, SELECT, FETCH) may take this long before it counts as failed: a user gives up too. */
export const IMAP_STEP_TIMEOUT_MS = 15_000;
/** The delivery step: from SMTP submission until the message is seen over IMAP. The pipeline scans with clamd and rspamd first. */
export const DELIVERY_TIMEOUT_MS = 60_000;
/** How often the delivery step looks for its message over IMAP while it waits. */
export const DELIVERY_POLL_MS = 100;
/** Quota of a probe mailbox: it holds one anchor message and, for a moment, one probe message. */
export const PROBE_MAILBOX_QUOTA_BYTES = 10 * 1024 ** 2;
/** bcrypt cost of the probe's password: it logs in every minute per tenant, so the cheap end of what Dovecot takes. */
export const PROBE_PASSWORD_COST = 6;
/** Error text kept per run and per incident (the column widths of migration 20261203190000_probes). */
export const RUN_ERROR_MAX = 500;
export const INCIDENT_ERROR_MAX = 1000;

/** Raw runs are kept this long; the hourly rollup keeps the rest (issue 15: raw 7 days, hourly 400 days). */
export const RAW_RETENTION_DAYS = 7;
export const HOURLY_RETENTION_DAYS = 400;
/** How often the rollup runs: hourly rows of complete hours, then pruning. */
export const ROLLUP_EVERY_MS = 3600_000;
/** How often the per-tenant probe schedules are brought up to date (new tenants, changed intervals). */
export const SCHEDULE_SYNC_EVERY_MS = 10 * 60_000;
/** Window of the /metrics probe families: the last hour of raw runs. */
export const METRICS_WINDOW_MS = 3600_000;
/** Incidents listed per page. */
export const MAX_INCIDENTS_LISTED = 500;
/** Cause and fix annotations: a problem record's paragraph. */
export const ANNOTATION_MAX = 2000;
/** Webhook POST of an incident event: a receiver that does not answer within this is retried. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/**
 * Probe runs one worker process runs at once: a run mostly waits (IMAP round trips, the pipeline), about a
 * second with the delivery step, so 1,000 tenants a minute need about 17 at once; 32 leaves room.
 */
export const PROBE_CONCURRENCY = 32;
