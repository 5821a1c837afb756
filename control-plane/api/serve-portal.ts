import compression from 'compression';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Serves the portal's build (portal/dist, made by `npm run portal:build` in the install step):
 * - /assets/* have content hashes in their names, so they are cached for a year and never revalidated;
 * - index.html is revalidated on every load, so a new build is picked up at once;
 * - every other page path (/t/…/accounts, bookmarks, a reload) answers index.html and the portal's
 *   router shows the page; API paths and file names that do not exist stay 404;
 * - answers are compressed (gzip/brotli as the browser accepts).
 */
const ASSET_MAX_AGE_S = 365 * 24 * 3600;
const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  // Preact and uPlot set element styles from script; Pico's stylesheet uses data: icons
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function portalRouter(dir: string): Router {
  const root = path.resolve(dir);
  const index = path.join(root, 'index.html');
  const router = express.Router();
  router.use(compression());
  router.use(
    '/assets',
    express.static(path.join(root, 'assets'), {
      immutable: true,
      maxAge: ASSET_MAX_AGE_S * 1000,
      index: false,
      fallthrough: true,
    }),
  );
  router.get(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/assets/') || path.extname(req.path) !== '') return next();
    if (!req.accepts('html')) return next();
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The portal is not built: run `npm run portal:build` (stack/install.sh does).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.sendFile(index);
  });
  return router;
}
