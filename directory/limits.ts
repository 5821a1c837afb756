/** Bounds of the directory module, each with its reason. */

/** Entries per LDAP page (Simple Paged Results, RFC 2696): AD's default MaxPageSize is 1000; 500 keeps each page's lookups small. */
export const LDAP_PAGE_SIZE = 500;
/** A directory that does not answer the TCP connect within this is reported unreachable, not waited on. */
export const LDAP_CONNECT_TIMEOUT_MS = 5_000;
/** Per LDAP operation (bind, one page of a search): a stuck server fails the sync instead of holding it. */
export const LDAP_OPERATION_TIMEOUT_MS = 30_000;
/** "Test connection" shows this many matching users (the issue: three). */
export const TEST_SAMPLE_USERS = 3;
/** A preview lists at most this many items of each kind (the counts and the digest cover all of them). */
export const PREVIEW_ITEMS_SHOWN = 100;
/** At most this many conflicts and skipped entries are listed (the counts are exact). */
export const PREVIEW_PROBLEMS_SHOWN = 1000;
/** Nested groups are followed this deep: a cycle or a pathological tree ends here, reported. */
export const MAX_GROUP_DEPTH = 16;
/** Aliases per directory entry: proxyAddresses of a real user has a handful; more is a data error. */
export const MAX_ALIASES_PER_ENTRY = 50;
/** Scheduled sync: at least this many minutes apart (each one reads the whole directory). */
export const MIN_SYNC_EVERY_MINUTES = 5;
/** How often the worker brings the per-tenant sync schedules up to date. */
export const SYNC_SCHEDULES_EVERY_MS = 10 * 60_000;
/**
 * The password hash of an account the directory provisions: not a bcrypt hash, so it matches no
 * password, neither in Dovecot's passdb nor in the portal's own check. The password stays in the
 * directory; the portal asks it by bind (use-cases/verify-directory-password.ts).
 */
export const DIRECTORY_PASSWORD_HASH = '{BLF-CRYPT}!directory';
