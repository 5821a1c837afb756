// Named limits of the migrator, each with its reason.

/** Messages up to this size are fetched by UID range and batched into one MULTIAPPEND; larger
 * ones are streamed to a temp file and appended alone, so memory stays flat (30 MB messages). */
export const SMALL_MESSAGE_BYTES = 1024 * 1024;

/** One MULTIAPPEND carries at most this many messages: Dovecot commits a MULTIAPPEND as one
 * transaction (one fsync), the main speed-up over single APPENDs; bigger batches gain little
 * and lose more work when a connection drops mid-command. */
export const MULTIAPPEND_MAX_MESSAGES = 200;

/** ... and at most this many bytes, bounding the memory held per worker (fetched bodies wait
 * here until the append completes; two batches per worker are in flight). */
export const MULTIAPPEND_MAX_BYTES = 4 * 1024 * 1024;

/** UIDs per FETCH command when reading bodies: long enough to stream at full speed (8-13k msg/s
 * on Dovecot), short enough that a reconnect repeats little. */
export const FETCH_UID_CHUNK = 500;

/** ... and at most this many bytes per FETCH: the server streams the whole answer at once, and
 * whatever the writer has not consumed yet sits in memory (parallelFolders workers x this). */
export const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** Messages a folder pass lists per UID range (source metadata, the range's state records, the
 * destination's UIDs): what one range holds in memory, so a folder of 500,000 messages stays flat;
 * few enough round trips (100 for 500k) that listing stays at Dovecot's FETCH rate. */
export const LIST_RANGE_MESSAGES = 5000;

/** The widest UID range one listing asks for: a sparse folder (UIDs far apart) is walked in growing
 * ranges, up to this many UIDs each. */
export const LIST_RANGE_MAX_UIDS = 1 << 22;

/** Chunk size of streamed (large message) downloads: imapflow's default 64 KB costs ~480 round
 * trips for a 30 MB message. */
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/** Folders copied (and verified) in parallel per account. The bench's raw parallel copy between two
 * Dovecots still gains from 4 to 8 connections (per-connection round trips, not the disk, bound it);
 * the per-host cap below keeps the source's connections within common per-IP limits all the same. */
export const DEFAULT_PARALLEL_FOLDERS = 8;

/** Open connections per source host across all accounts of this process: polite default
 * below common per-IP limits (Dovecot mail_max_userip_connections=10, Gmail 15). */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 8;

/** Reconnect attempts for one folder before it is reported failed. */
export const MAX_RECONNECT_ATTEMPTS = 8;

/** Backoff after a dropped connection, BYE or throttling answer: base * 2^n, capped. */
export const RECONNECT_BACKOFF_BASE_MS = 250;
export const RECONNECT_BACKOFF_MAX_MS = 30_000;

/** State rows inserted per statement: SQLite allows 999 bound variables per statement in older
 * builds, 9 columns per row. */
export const STATE_INSERT_CHUNK = 100;

/** Seconds an XOAUTH2 token from the token command is reused before it is fetched again
 * (Google/Microsoft tokens live 3600 s). */
export const OAUTH_TOKEN_TTL_SECONDS = 45 * 60;

/** The token command must answer within this time. */
export const OAUTH_TOKEN_COMMAND_TIMEOUT_MS = 30_000;

/** Socket timeout of raw destination connections; a stalled server is treated as dropped. */
export const RAW_SOCKET_TIMEOUT_MS = 5 * 60_000;

/** Missing messages listed per folder in a report (the count is always exact). */
export const REPORT_MAX_LISTED_PER_FOLDER = 10_000;

/** Bounded CSV input for --batch: a typo'd file name pointing at a huge file fails early. */
export const BATCH_CSV_MAX_BYTES = 10 * 1024 * 1024;

/** Source UIDs per `IN (…)` lookup of state rows: below SQLite's oldest limit of 999 bound variables. */
export const STATE_LOOKUP_CHUNK = 900;
