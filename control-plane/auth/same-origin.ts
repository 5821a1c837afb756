import type { Request } from 'express';
import type { Actor } from '../../platform/actor';
import { AppError } from '../../platform/errors';

/** Methods that change something: a cross-site page must not make a signed-in browser send them. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Actors whose credential is a cookie, which the browser attaches to a cross-site request on its own. */
const COOKIE_KINDS = new Set<Actor['kind']>(['staff', 'mail_user']);

/**
 * Refuses a cookie-authenticated write that a browser says came from another site (CSRF), on top of
 * SameSite=Strict. Sec-Fetch-Site is the browser's own word; older browsers send only Origin, which must
 * then be this API's public origin or the Host it was sent to. A request with neither (curl, scripts,
 * tokens) is not a browser's cross-site request and passes.
 */
export function assertSameOrigin(req: Request, actor: Actor, publicUrl: string): void {
  if (!WRITES.has(req.method) || !COOKIE_KINDS.has(actor.kind)) return;
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw refused(`Sec-Fetch-Site: ${site}`);
  }
  const origin = req.get('origin');
  if (origin === undefined) return;
  if (origin === new URL(publicUrl).origin) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && host === req.get('host')) return;
  throw refused(`Origin: ${origin}`);
}

const refused = (what: string) =>
  new AppError(
    'cross_site_request',
    `a write with the session cookie must come from the portal's own origin, not from another site (${what})`,
  );
