/**
 * Bounds of the backup module's export, self-service, drill, retention and integrity parts, each with
 * its reason. (The store, the backup pass and restore keep theirs beside these.)
 */

/** Messages whose metadata one FETCH asks for: small enough to hold in memory, large enough to save round trips. */
export const EXPORT_FETCH_BATCH = 500;
/** Longest part of a folder name in an mbox file name; the folder map keeps the real name. */
export const MBOX_FILE_NAME_MAX = 80;
