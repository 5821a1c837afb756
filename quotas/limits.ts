/**
 * Every bound and interval of the quotas module, each with its reason.
 */

/** Largest allocation or pool: 1 PiB. Far beyond any mailbox, and well below 2^53, so byte counts stay exact JS numbers. */
export const MAX_BYTES = 2 ** 50;

/** Accounts per reassignment request: a tenant redistributing over its whole staff in one go, while one request stays one short transaction. */
export const MAX_CHANGES_PER_REASSIGNMENT = 500;

/** Warning thresholds in percent of an allocation; each crossing upwards raises one event. */
export const WARNING_THRESHOLDS = [80, 95, 100] as const;

/** How often usage is collected from Dovecot: fresh enough for charts and warnings, cheap for Dovecot (one quotaGet per account). */
export const COLLECT_EVERY_MS = 5 * 60_000;

/** How often usage is recounted (quotaRecalc) and drift repaired: a recount reads every mailbox index, so rarely. */
export const RECONCILE_EVERY_MS = 24 * 3600_000;

/** Parallel doveadm requests of one collection or reconciliation: keeps Dovecot's doveadm service (one process per request) from being flooded. */
export const DOVEADM_CONCURRENCY = 4;

/** Accounts read per collection batch: one transaction per batch keeps write locks short. */
export const COLLECT_BATCH = 200;

/** Usage history kept for charts and forecasts; older samples are pruned by the collection job. */
export const HISTORY_RETENTION_DAYS = 400;

/** Forecasts fit a line through the samples of this recent window: long enough to smooth daily rhythm, short enough to follow a change of habit. */
export const FORECAST_WINDOW_DAYS = 14;

/** A forecast needs samples spanning at least this long; two samples a minute apart say nothing about a trend. */
export const FORECAST_MIN_SPAN_MS = 3600_000;

/** Samples read per account for a forecast: one every 5 minutes over 14 days is ~4,000; more add nothing to a straight line. */
export const FORECAST_MAX_SAMPLES = 5000;

/** mayAccept asks Dovecot live; a slow doveadm must not hold an SMTP RCPT for long: then the recorded figure answers. */
export const MAY_ACCEPT_LIVE_TIMEOUT_MS = 2000;

/** Kicking sessions after an allocation change is best effort: the change is committed whatever doveadm does. */
export const KICK_TIMEOUT_MS = 3000;

/**
 * Allocation changes committed within this window share one `doveadm who` to find the sessions to
 * kick. Every doveadm HTTP request costs Dovecot 25-60 ms here (measured: ~40 requests/s at most on
 * 2 cores, whatever the command), so the request path asks it as rarely as possible.
 */
export const WHO_BATCH_MS = 50;

/**
 * A recorded usage figure younger than this (two collection intervals: the last collection, or the one
 * before if the last failed) is trusted when lowering an allocation; an older or missing one is asked of
 * Dovecot live. The check only guards the tenant admin against a mistake: Dovecot enforces the exact
 * limit anyway, and an allocation that ends up under usage raises the 100 % warning at the next collection.
 */
export const USAGE_FRESH_MS = 2 * COLLECT_EVERY_MS;

/** Live usage checks before lowering allocations: same bound as mayAccept. */
export const LIVE_USAGE_TIMEOUT_MS = 3000;

/** Local forwarding chains followed by mayAccept (alias → account → forward to a local account …); cycles stop earlier. */
export const MAX_FORWARD_HOPS = 5;

/** Webhook POSTs: a receiver slower than this is retried later by the job's backoff. */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** Webhook URLs: length bound of the column. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * The SMTP ingress asks Dovecot for an account's usage at most this often (RCPTs in between share the
 * figure, plus the bytes accepted for the account since): each doveadm request forks a process, too
 * dear at every RCPT of a burst (at 3 s, those forks were half of Dovecot's CPU per delivered message in
 * bench/ingress.ts). Dovecot still enforces the exact limit at delivery.
 */
export const LIVE_USAGE_TTL_MS = 15_000;

/**
 * Past the ttl the ingress reads the figure again in the background and answers from the last one
 * meanwhile; a figure older than this (an account not written to for a while) is waited for.
 */
export const LIVE_USAGE_STALE_MS = 60_000;

/** Accounts whose live figure the ingress keeps at once; the oldest go first. */
export const LIVE_USAGE_MAX_ENTRIES = 10_000;
