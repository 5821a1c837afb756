import { randomBytes } from 'node:crypto';

/**
 * Queue ids name a message in the spool, the queue (job id), the trace and the 250 reply. Time first, so
 * that they sort roughly by arrival; 48 random bits make two in the same millisecond apart. Only
 * [0-9A-Z]: safe in file names, BullMQ job ids and SMTP replies.
 */
export function newQueueId(now = Date.now()): string {
  return now.toString(36).toUpperCase().padStart(9, '0') + randomBytes(6).toString('hex').toUpperCase();
}

/** When the message of a queue id was accepted (ms since the epoch), or NaN for an id of another form. */
export function acceptedAtOf(queueId: string): number {
  return /^[0-9A-Z]{9}[0-9A-F]{12}$/.test(queueId) ? parseInt(queueId.slice(0, 9), 36) : NaN;
}
