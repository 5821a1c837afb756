/**
 * Bounds and intervals of the quarantine, each with its reason.
 */

/** Headers read from a message to index it (subject, sender, Message-ID): a real header block is a few KB; a 1 MB one is an attack. */
export const MAX_INDEXED_HEADER_BYTES = 256 * 1024;

/** Longest subject and header From stored in the index: RFC 5322's line limit; longer is cut. */
export const MAX_INDEXED_FIELD = 998;

/** A preview parses the whole message in memory (mailparser): above this it shows headers only. */
export const MAX_PREVIEW_PARSE_BYTES = 10 * 1024 * 1024;

/** The text a preview returns: a few screens, enough to judge a message. */
export const MAX_PREVIEW_TEXT_CHARS = 64 * 1024;

/** Attachments a preview names (name, type, size): the rest are counted. */
export const MAX_PREVIEW_ATTACHMENTS = 50;

/** Page size of list and search answers. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** Expiry: one run deletes at most this many, in batches, so one run stays short; the next continues. */
export const EXPIRE_BATCH = 200;
export const EXPIRE_MAX_PER_RUN = 5000;
/** How often the expiry job runs: quarantined mail outlives its period by at most this. */
export const EXPIRE_EVERY_MS = 3600_000;

/** A release that died midway (worker killed) may be started again after this. */
export const STALE_RELEASE_MS = 10 * 60_000;

/** rspamd's controller answers a learn in milliseconds; a hung one must not hold a release. */
export const RSPAMD_LEARN_TIMEOUT_MS = 10_000;

/** A sealed file without its index row (a crash between writing and recording) is removed after this. */
export const ORPHAN_FILE_AGE_MS = 24 * 3600_000;
