/**
 * Bounds of the tenant filter policy, each with its reason.
 */

/** Score bands per policy: deliver, junk, quarantine, reject, discard fit in five; more is a typo. */
export const MAX_BANDS = 5;

/** rspamd scores are small (GTUBE is 15, real spam rarely beyond 50); a threshold outside ±1000 is a mistake. */
export const MAX_ABS_SCORE = 1000;

/** Allow and block entries per tenant: generous for a company, and each decision loads them all. */
export const MAX_LIST_ENTRIES = 5000;

/** RFC 5321 4.5.3.1.3: an address is at most 254 octets; a domain pattern fits in that too. */
export const MAX_PATTERN = 254;

/** Shortest and longest quarantine period: a day to look, a year at most (the files are mail at rest). */
export const MIN_QUARANTINE_DAYS = 1;
export const MAX_QUARANTINE_DAYS = 365;
export const DEFAULT_QUARANTINE_DAYS = 30;

/** rspamd symbols copied into X-Spam-Status: enough to explain a score, short enough for one header. */
export const MAX_HEADER_SYMBOLS = 20;

/** A note on a list entry ("our ERP's mailer"): one line for the admin's memory. */
export const MAX_NOTE = 200;
