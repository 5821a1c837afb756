import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Ctx } from '../services';
import type { Permission } from '../auth/permissions';
import type { SupportReasonNeed } from '../auth/support-reason';

/**
 * A route is a declaration: method, path, what it needs (a permission), zod schemas for params, query
 * and body, and a handler that calls one command. The app (app.ts) turns it into an express handler
 * with authentication, authorization, validation, idempotency and error mapping, and openapi.ts turns
 * the same declaration into the OpenAPI document, so the two cannot drift apart.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** For the few routes that speak HTTP themselves (login sets a cookie, exports stream). */
  http: { req: Request; res: Response };
}

// The registry holds routes of every shape; each route's own types are checked where it is declared.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface RouteDef<P = any, Q = any, B = any, R = any> {
  method: Method;
  /** Express path under /api/v1, e.g. `/tenants/:tenantId/accounts`. */
  path: string;
  summary: string;
  tags: string[];
  /** `public`: no authentication (login); `authenticated`: any signed-in actor; else a permission. */
  permission: Permission | 'public' | 'authenticated';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType<R>;
  /** Status of a successful answer; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  /** Honour an Idempotency-Key header: a retried create returns the first answer instead of a duplicate. */
  idempotent?: boolean;
  /** Body size limit for this route (bulk CSV imports need more than the default). */
  bodyLimit?: string;
  /** Accept text/csv bodies as a string. */
  acceptsCsv?: boolean;
  /**
   * A platform-wide read that is audited when support makes it (`support.viewed`), as every read of a
   * tenant's routes by support is: the audit log, its export, the list of tenants.
   */
  auditSupportReads?: boolean;
  /**
   * Support must say why (the Postwerk-Reason header, auth/support-reason.ts): for every read of mail
   * content and for a password reset. The reason is audited with every entry the request writes.
   */
  supportReason?: SupportReasonNeed;
  /**
   * Open to a staff user who must enrol a second factor and has not yet (sign-out, who am I, the
   * enrolment itself); every other route answers them 403 second_factor_enrolment_required.
   */
  duringSecondFactorEnrolment?: boolean;
  /**
   * Only a staff user signed in with a session (their own password and second factor); an API token gets
   * 403 forbidden, as it has neither.
   */
  staffSession?: boolean;
  handler(ctx: Ctx, input: RouteInput<P, Q, B>): Promise<R>;
}

export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined, R = unknown>(
  def: RouteDef<P, Q, B, R>,
): RouteDef<P, Q, B, R> {
  return def;
}

/** Shared query schema of list routes (the use cases' list inputs extend it). */
export { pageQuery } from '../../platform/db/paginate';

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const uuidParam = z.uuid();
