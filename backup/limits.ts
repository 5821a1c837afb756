/**
 * Every bound, interval and timeout of the backup module, each with its reason.
 */

/** Plaintext bytes per sealed chunk (after compression): large enough that the 32 bytes of framing and tag are noise, small enough that a reader holds one chunk at a time. */
export const STORE_CHUNK_BYTES = 64 * 1024;

/** Largest message a restore appends: imapflow's APPEND takes one Buffer, and Dovecot's default message size limit is far below. Also the largest backup body a preview reads. */
export const MAX_RESTORE_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How long an account's backup lease lasts without renewal: a killed worker's lease frees itself within a minute. */
export const LEASE_TTL_MS = 60_000;

/** How often a running pass renews its lease: three renewals fit in one TTL, so one slow database round trip does not lose it. */
export const LEASE_RENEW_MS = 15_000;

/** Default interval between scheduled backups of a tenant. */
export const DEFAULT_BACKUP_EVERY_MINUTES = 60;

/** Bodies fetched in one FETCH BODY.PEEK[] by UID set, by count and by the sum of their sizes: one round trip per batch, bounded memory. Larger messages are streamed one at a time. */
export const FETCH_BATCH_MESSAGES = 200;
export const FETCH_BATCH_BYTES = 8 * 1024 * 1024;
/** A message above this size is streamed from Dovecot into the store instead of being fetched in a batch. */
export const STREAM_MESSAGE_BYTES = 1024 * 1024;

/** Brotli quality of stored bodies. 1 compresses text about as well as deflate -6 did (measured 0.28 vs 0.25 of the size) at 3-4 times its speed, and base64 attachments (random bytes, where deflate's match search is slowest) at 4-5 times; the compressor was the largest CPU cost of a full pass. */
export const STORE_BROTLI_QUALITY = 1;

/** Changed folders of one account synced at once, each on its own master-user session: while one session waits on Dovecot, another's bodies are compressed and sealed. The migrator copies 4 folders at once; a pass stays below it, as two accounts of a tenant may run side by side (ACCOUNT_CONCURRENCY). */
export const PASS_PARALLEL_FOLDERS = 3;

/** Bodies being sealed and written to the store at once during a pass: fsyncs of parallel writes overlap. */
export const STORE_WRITE_CONCURRENCY = 8;

/** fsyncs, renames and folder syncs one store commit runs at once: enough to keep libuv's thread pool (4 threads) and the disk's queue busy, so concurrent fsyncs share journal commits. */
export const STORE_SYNC_CONCURRENCY = 8;

/** Index rows written per transaction: keeps SQLite's single writer free for others between batches. */
export const INDEX_WRITE_BATCH = 500;

/** Accounts of one tenant backed up at once by one job: Dovecot sessions are cheap, but the disk is shared. */
export const ACCOUNT_CONCURRENCY = 2;

/** Search results per page: a support screen, not an export. */
export const SEARCH_PAGE_MAX = 200;

/** Characters of text a safe preview returns: enough to recognise a message, never a whole attachment. */
export const PREVIEW_TEXT_CHARS = 4000;

/** Support must say why a restore is done; a word is not a reason. */
export const MIN_REASON_CHARS = 5;

// --- export, self-service, drills, retention, garbage collection, integrity -------------------------

/** Messages whose metadata one FETCH asks for: small enough to hold in memory, large enough to save round trips. */
export const EXPORT_FETCH_BATCH = 500;
/** Longest part of a folder name in an mbox file name; the folder map keeps the real name. */
export const MBOX_FILE_NAME_MAX = 80;
/** Hashes per IN (…) list: under SQLite's bound-parameter limit. */
export const IN_CHUNK_EXTRAS = 500;
/** Bodies the integrity check and the garbage collector look at per batch. */
export const MAINTENANCE_BATCH = 500;
/** Retention defaults of a tenant that set none: the example figures. */
export const DEFAULT_DELETED_DAYS = 30;
export const DEFAULT_HISTORY_DAYS = 90;
/** How far back an account's own user may restore by default: the same as deleted messages are kept. */
export const DEFAULT_SELF_SERVICE_DAYS = 30;
/** Messages a restore drill samples per tenant: enough to catch a broken key or store, cheap enough to run daily for every tenant. */
export const DRILL_SAMPLE = 20;
/** Login name (local part) of the tenant's scratch mailbox that drills restore into: a mailbox of its own, not an account and not a folder of a real one (README, Restore drills). */
export const DRILL_SCRATCH_LOCAL_PART = 'postwerk-drill';
/** Quota of the scratch mailbox: a full sample of the largest restorable messages fits; it holds nothing between drills. */
export const DRILL_SCRATCH_QUOTA_BYTES = DRILL_SAMPLE * MAX_RESTORE_MESSAGE_BYTES;
/** Drill results one listing returns (newest first): a month of daily drills. */
export const DRILL_LIST_MAX = 31;
/** Restore drills and integrity checks run daily per tenant by default. */
export const DRILL_EVERY_MS = 24 * 3600 * 1000;
export const INTEGRITY_EVERY_MS = 24 * 3600 * 1000;
export const RETENTION_EVERY_MS = 24 * 3600 * 1000;
/** A mail user's self-service session: as long as a staff session (a working day), then sign in again. */
export const MAIL_USER_SESSION_TTL_MS = 12 * 3600 * 1000;
/** Deleted messages one self-service listing returns (newest first). */
export const SELF_SERVICE_LIST_MAX = 200;
/** Longest retention a tenant may set: ten years, beyond any legal hold we know of; more is a typo. */
export const MAX_RETENTION_DAYS = 3650;
/** Checks and notifications one listing returns: a status screen, not an archive. */
export const CHECKS_LIST_MAX = 200;
export const NOTIFICATIONS_LIST_MAX = 200;
