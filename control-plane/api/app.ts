import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Services } from '../services';
import { appendAudit } from '../../platform/audit';
import { anonymousActor, assertTenantAccess } from '../../platform/actor';
import { AppError } from '../../platform/errors';
import { platformChecks, runChecks, type Check } from '../../platform/health';
import { authenticate } from '../auth/authenticate';
import { requirePermission } from '../auth/permissions';
import { assertSameOrigin } from '../auth/same-origin';
import { supportReason } from '../auth/support-reason';
import { errorBody, errorHandler } from './http-errors';
import { completeKey, releaseKey, reserveKey } from './idempotency';
import { buildOpenApi } from './openapi';
import { apiMetrics } from './metrics';
import { clientSetupRouter } from './client-setup';
import { portalRouter } from './serve-portal';
import type { RouteDef } from './route';
import { allRoutes } from './routes';

export const API_PREFIX = '/api/v1';
const DEFAULT_BODY_LIMIT = '1mb';
const noQuery = z.strictObject({});
/** How long one readiness answer is served again: fresh enough for a load balancer probing every few seconds. */
export const READINESS_CACHE_MS = 3_000;

/**
 * The readiness checks, run at most once per READINESS_CACHE_MS however many probes ask: callers in
 * the same window share one run (and its answer), so a flood of /readyz cannot flood the servers behind.
 */
function cachedReadiness(checks: Check[]): () => Promise<Awaited<ReturnType<typeof runChecks>>> {
  let last: { at: number; result: ReturnType<typeof runChecks> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= READINESS_CACHE_MS) last = { at: Date.now(), result: runChecks(checks) };
    return last.result;
  };
}

/**
 * A CSV import takes text/csv or JSON, nothing else: a cross-site HTML form can post text/plain (or
 * form encodings) without a CORS preflight, text/csv it cannot.
 */
function csvOnly(req: Request, _res: Response, next: NextFunction) {
  if (req.is(['text/csv', 'application/json']) === false) {
    return next(new AppError('unsupported_media_type', `send the CSV as Content-Type: text/csv (or JSON), not ${req.get('content-type')}`));
  }
  next();
}

/** Wraps one declared route: authenticate → authorize → validate → idempotency → command → answer. */
function adapt(services: Services, def: RouteDef) {
  const method = def.method.toUpperCase();
  return async (req: Request, res: Response) => {
    const actor = def.permission === 'public' ? null : await authenticate(services, req);
    if (def.permission !== 'public' && !actor)
      throw new AppError('unauthenticated', 'sign in or send an API token (Authorization: Bearer pwk_…)');
    if (actor) assertSameOrigin(req, actor, services.config.api.publicUrl);
    if (actor?.secondFactorEnrolmentRequired && !def.duringSecondFactorEnrolment)
      throw new AppError(
        'second_factor_enrolment_required',
        `your role (${actor.role}) must have a second factor: enrol one first (POST ${API_PREFIX}/auth/second-factor/enrolment)`,
      );
    if (actor && def.permission !== 'public' && def.permission !== 'authenticated') requirePermission(actor, def.permission);
    if (actor && def.staffSession && actor.kind !== 'staff')
      throw new AppError(
        'forbidden',
        'only a staff user signed in to the portal has a password and a second factor of their own, not an API token',
      );

    const params = def.params ? def.params.parse(req.params) : req.params;
    if (actor && typeof params === 'object' && params && 'tenantId' in params) {
      assertTenantAccess(
        actor,
        String((params as { tenantId: string }).tenantId),
        'tenant',
        String((params as { tenantId: string }).tenantId),
      );
    }
    const query = (def.query ?? noQuery).parse({ ...(req.query as object) });
    const body = def.body ? def.body.parse(req.body ?? (def.acceptsCsv ? '' : {})) : undefined;

    // Asked once per request, before anything is read or written; on the actor, every audit entry the
    // request writes carries it (support.viewed included).
    const reason = supportReason(req, actor, def.supportReason);
    const ctx = {
      ...services,
      actor: actor ? (reason !== undefined ? { ...actor, reason } : actor) : anonymousActor(req.ip),
    };

    // Support staff acting on a tenant is audited even when they only look; so are support's reads of
    // the platform-wide routes that show every tenant (the audit log and its export, the tenant list).
    const tenantRoute = !!params && typeof params === 'object' && 'tenantId' in params;
    if (actor?.role === 'support' && method === 'GET' && (tenantRoute || def.auditSupportReads)) {
      const q = req.query as Record<string, unknown>;
      const tenantId = tenantRoute
        ? String((params as { tenantId: string }).tenantId)
        : typeof q.tenantId === 'string' && /^[0-9a-f-]{36}$/i.test(q.tenantId)
          ? q.tenantId
          : null;
      await services.db.transaction((trx) =>
        appendAudit(trx, ctx.actor, {
          action: 'support.viewed',
          tenantId,
          target: { type: 'route', id: `${method} ${req.path}` },
          ...(tenantRoute ? {} : { after: { query: q } }),
        }),
      );
    }

    const idemKey = def.idempotent && actor ? req.get('idempotency-key') : undefined;
    const principal = actor ? `${actor.kind}:${actor.id}` : '';
    if (idemKey) {
      const r = await reserveKey(services.db, services.config.secretKey, principal, idemKey, { method, path: req.path, body });
      if ('replay' in r) {
        res.setHeader('Idempotent-Replayed', 'true');
        return r.replay.status === 204 ? res.status(204).end() : res.status(r.replay.status).json(r.replay.body);
      }
    }
    let result: unknown;
    try {
      result = await def.handler(ctx, { params, query, body, http: { req, res } });
    } catch (e) {
      if (idemKey) await releaseKey(services.db, principal, idemKey);
      throw e;
    }
    const status = def.status ?? 200;
    if (idemKey) await completeKey(services.db, principal, idemKey, status, result);
    if (res.headersSent) return;
    if (status === 204) return res.status(204).end();
    res.status(status).json(result);
  };
}

export function createApiApp(services: Services, opts: { routes?: RouteDef[]; portalDir?: string } = {}): Express {
  const app = express();
  const routes = opts.routes ?? allRoutes;
  app.disable('x-powered-by');
  app.set('trust proxy', services.config.api.trustProxy);
  app.set('query parser', 'simple');
  const metrics = apiMetrics(services);
  app.use(metrics.timeRequests);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // One limiter for /readyz and the API: an anonymous caller cannot make /readyz a free amplifier either.
  const limiter =
    services.config.api.rateLimitPerMinute > 0
      ? rateLimit({
          windowMs: 60_000,
          limit: services.config.api.rateLimitPerMinute,
          standardHeaders: 'draft-7',
          legacyHeaders: false,
          handler: (_req, res) => {
            res
              .status(429)
              .json(
                errorBody(new AppError('rate_limited', 'too many requests; slow down and retry after the time in the RateLimit header')),
              );
          },
        })
      : (_req: Request, _res: Response, next: NextFunction) => next();
  const readiness = cachedReadiness(platformChecks(services));
  app.get('/readyz', limiter, async (_req, res) => {
    const result = await readiness();
    // anyone may ask (load balancers do not sign in): names and ok only, no error text with host names and
    // ports; GET /api/v1/system/health shows the details to operators and support
    res.status(result.ok ? 200 : 503).json({
      status: result.ok ? 'ready' : 'not ready',
      checks: result.checks.map(({ name, ok }) => ({ name, ok })),
    });
  });

  // Prometheus scrapes with an operator's or support's token; under the rate limit like the API
  app.get('/metrics', limiter, metrics.handler);

  // mail clients' setup documents (Thunderbird autoconfig, Outlook Autodiscover): public, fixed paths
  app.use(clientSetupRouter(services, limiter));

  const api = express.Router();
  api.use(limiter);
  const openapi = buildOpenApi(routes, { serverUrl: `${services.config.api.publicUrl}${API_PREFIX}` });
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  for (const def of routes) {
    const parsers = [
      express.json({ limit: def.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: true }),
      ...(def.acceptsCsv ? [csvOnly, express.text({ type: 'text/csv', limit: def.bodyLimit ?? DEFAULT_BODY_LIMIT })] : []),
    ];
    api[def.method](def.path, ...parsers, adapt(services, def));
  }
  api.use((req: Request, _res: Response, next: NextFunction) => {
    next(new AppError('not_found', `no route ${req.method} ${API_PREFIX}${req.path}`));
  });
  app.use(API_PREFIX, api);

  if (opts.portalDir) app.use(portalRouter(opts.portalDir));
  app.use((req: Request, _res: Response, next: NextFunction) => next(new AppError('not_found', `nothing at ${req.method} ${req.path}`)));
  app.use(errorHandler(services.logger));
  return app;
}
