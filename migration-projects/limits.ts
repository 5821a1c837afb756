/**
 * Bounds of the migration projects, each with its reason. Engine limits (connections, chunk sizes) are
 * in migrator/limits.ts; these are the control plane's.
 */

/** Rows of one account CSV: a bigger company is split into waves, each a project of its own. */
export const CSV_MAX_ROWS = 5_000;
/** Request body of a CSV upload (5,000 rows of two addresses and a password fit in well under 2 MB). */
export const CSV_MAX_BODY = '2mb';
/** Per-row errors listed back to the caller; past this the CSV is clearly the wrong file. */
export const CSV_MAX_ERRORS_LISTED = 100;

/** Progress counters are written at most this often per account: a DB write per message would dominate. */
export const PROGRESS_FLUSH_MS = 2_000;
/** A `progress` row in migration_events at most this often per account: history, not a tick log. */
export const PROGRESS_EVENT_MS = 30_000;

/**
 * One pass at a time per account. A pass holds a lease that its progress flushes renew; a worker that
 * died leaves a lease that simply runs out, so this is how long such an account stays blocked.
 */
export const ACCOUNT_LEASE_MS = 10 * 60_000;

/** Delta passes more often than this only load the old server; fewer than daily leave a big final delta. */
export const MIN_DELTA_INTERVAL_MS = 60_000;
export const MAX_DELTA_INTERVAL_MS = 24 * 3600_000;

/** A cut-over time this far in the past is a typo (wrong day, wrong zone), not "now". */
export const CUTOVER_PAST_TOLERANCE_MS = 5 * 60_000;
/** A cut-over further ahead than this is a typo too (wrong year). */
export const CUTOVER_MAX_AHEAD_MS = 366 * 24 * 3600_000;
/**
 * An account whose pass (a long pre-stage, a delta) still runs at cut-over time: look again this often,
 * up to CUTOVER_MAX_BUSY_WAITS times (4 hours), then fail the account with the reason.
 */
export const CUTOVER_BUSY_RETRY_MS = 30_000;
export const CUTOVER_MAX_BUSY_WAITS = 480;

/** After the switch, mail that still reaches the old server (DNS caches, slow MX changes) is fetched this long. */
export const DEFAULT_CATCHUP_WINDOW_MS = 72 * 3600_000;
export const MAX_CATCHUP_WINDOW_MS = 30 * 24 * 3600_000;
export const DEFAULT_CATCHUP_INTERVAL_MS = 15 * 60_000;
/** Below a second a catch-up round is a busy loop; short intervals are for tests and small waves. */
export const MIN_CATCHUP_INTERVAL_MS = 1_000;

/** Missing messages quoted in an account's failure reason; the report holds them all (up to the engine's cap). */
export const REASON_MISSING_LISTED = 3;
