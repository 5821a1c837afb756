import { AppError, isAppError, type ErrorCode } from '../../platform/errors';

/**
 * The one place where errors become SMTP replies (as control-plane/api/http-errors.ts is for HTTP).
 * Policy code throws AppError; the protocol hooks pass what this returns to smtp-server's callback.
 * The enhanced status code (RFC 3463) is part of the text: smtp-server's own table would answer 5.1.1
 * for every 550 and 5.6.0 for every 554.
 */
export interface SmtpReply {
  code: number;
  enhanced: string;
}

const REPLIES: Partial<Record<ErrorCode, SmtpReply>> = {
  recipient_unknown: { code: 550, enhanced: '5.1.1' },
  recipient_disabled: { code: 550, enhanced: '5.2.1' },
  quota_exceeded: { code: 452, enhanced: '4.2.2' },
  pool_exceeded: { code: 452, enhanced: '4.2.2' },
  relay_denied: { code: 554, enhanced: '5.7.1' },
  sender_denied: { code: 553, enhanced: '5.7.1' },
  unauthenticated: { code: 535, enhanced: '5.7.8' },
  sign_in_locked: { code: 454, enhanced: '4.7.0' },
  too_many_recipients: { code: 452, enhanced: '4.5.3' },
  payload_too_large: { code: 552, enhanced: '5.3.4' },
  message_rejected: { code: 550, enhanced: '5.7.1' },
  validation_failed: { code: 501, enhanced: '5.5.4' },
  rate_limited: { code: 421, enhanced: '4.7.0' },
  unavailable: { code: 451, enhanced: '4.3.0' },
};

/** Anything unexpected is a temporary local error: the client keeps the message and tries again. */
const FALLBACK: SmtpReply = { code: 451, enhanced: '4.3.0' };

export function replyFor(err: unknown): SmtpReply & { text: string } {
  const app = isAppError(err) ? err : null;
  const reply = (app && REPLIES[app.code]) ?? FALLBACK;
  const text = app && app.expose && REPLIES[app.code] ? app.message : 'Local error in processing, try again later';
  // one line, printable: smtp-server would replace control characters, but say it plainly
  return { ...reply, text: text.replace(/[\r\n\t]+/g, ' ').slice(0, 400) };
}

/** The Error shape smtp-server turns into a reply (`responseCode` + message). */
export function smtpError(err: unknown): Error & { responseCode: number } {
  const r = replyFor(err);
  const e = new Error(`${r.enhanced} ${r.text}`) as Error & { responseCode: number };
  e.responseCode = r.code;
  return e;
}

export { AppError };
