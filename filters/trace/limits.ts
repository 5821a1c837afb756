/** Bounds of the message trace, each with its reason. */

/** Messages one trace answers: a support question is about a handful; a recipient's busy day is paged by narrowing the range. */
export const MAX_TRACED_MESSAGES = 100;

/** Events per message: a message with many recipients and retries stays readable. */
export const MAX_EVENTS_PER_MESSAGE = 500;

/** A recipient search without a range looks this far back. */
export const DEFAULT_RECIPIENT_WINDOW_MS = 7 * 24 * 3600_000;
