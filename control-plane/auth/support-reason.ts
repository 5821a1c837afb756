import type { Request } from 'express';
import type { Actor } from '../../platform/actor';
import { AppError } from '../../platform/errors';

/**
 * Support acting on a tenant says why, for the acts that reach furthest into it: every read of mail
 * content (backup and quarantine previews) and a password reset. The reason travels in one header, so
 * GETs can carry it too, and is audited with every entry the request writes (platform/audit.ts).
 */
export const SUPPORT_REASON_HEADER = 'Postwerk-Reason';
/** Shorter is not a reason ("x", "test"); a few words are enough. */
export const MIN_SUPPORT_REASON_CHARS = 5;
/** A ticket reference and a sentence or two; the reason is copied into audit entries, so it is bounded. */
export const MAX_SUPPORT_REASON_CHARS = 500;

/** What a route needs a reason for (RouteDef.supportReason). */
export type SupportReasonNeed = 'mail_content' | 'password_reset';

const WHY: Record<SupportReasonNeed, string> = {
  mail_content: 'reading mail content',
  password_reset: 'resetting a password',
};

const limits = `${MIN_SUPPORT_REASON_CHARS} to ${MAX_SUPPORT_REASON_CHARS} characters`;

/**
 * The reason of this request: the header, percent-decoded (HTTP headers carry ASCII only, so a reason in
 * German travels as encodeURIComponent of it) and trimmed. Required when support makes a request that
 * needs one; any other role may send one and it is kept (and audited) all the same, but must then be
 * well-formed too.
 */
export function supportReason(req: Request, actor: Actor | null, needed: SupportReasonNeed | undefined): string | undefined {
  const raw = req.get(SUPPORT_REASON_HEADER);
  if (raw === undefined || raw.trim() === '') {
    if (needed && actor?.role === 'support') {
      throw new AppError(
        'reason_required',
        `support must give a reason for ${WHY[needed]}: send it in the ${SUPPORT_REASON_HEADER} header (${limits}, percent-encoded if not ASCII)`,
        { header: SUPPORT_REASON_HEADER, min: MIN_SUPPORT_REASON_CHARS, max: MAX_SUPPORT_REASON_CHARS },
      );
    }
    return undefined;
  }
  let reason: string;
  try {
    reason = decodeURIComponent(raw).trim();
  } catch {
    throw new AppError('reason_required', `the ${SUPPORT_REASON_HEADER} header is not valid percent-encoding (use encodeURIComponent)`, {
      header: SUPPORT_REASON_HEADER,
      min: MIN_SUPPORT_REASON_CHARS,
      max: MAX_SUPPORT_REASON_CHARS,
    });
  }
  const chars = [...reason].length;
  if (chars < MIN_SUPPORT_REASON_CHARS || chars > MAX_SUPPORT_REASON_CHARS) {
    throw new AppError('reason_required', `the ${SUPPORT_REASON_HEADER} header must hold a reason of ${limits}, not ${chars}`, {
      header: SUPPORT_REASON_HEADER,
      min: MIN_SUPPORT_REASON_CHARS,
      max: MAX_SUPPORT_REASON_CHARS,
    });
  }
  return reason;
}
