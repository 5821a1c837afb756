// The one typed API client of the portal. Paths, parameters, bodies and answers are checked against
// schema.d.ts, which is generated from the control plane's OpenAPI document (npm run portal:api).
// Components never call fetch: they call `api.GET(...)` through `call`, which turns an error answer
// into an ApiError carrying the API's code, message and the field it names.
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export const api = createClient<paths>({ baseUrl: '/api/v1', credentials: 'same-origin' });

export interface ApiErrorBody {
  error: { code: string; message: string; details: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    /** the field a page knows this error is about when the API names none (a wrong code, a wrong current password) */
    readonly blamed: string | null = null,
  ) {
    super(message);
  }

  /** The same error, blaming `field`: for answers whose code, not a zod path, says which input was wrong. */
  blaming(field: string): ApiError {
    return new ApiError(this.status, this.code, this.message, this.details, field);
  }

  /** The input field the API blamed: the first zod issue's path (`changes.0.allocationBytes`), or null. */
  get field(): string | null {
    if (this.blamed) return this.blamed;
    // support's reason travels in a header; the portal asks for it in a field named `reason`
    if (this.code === 'reason_required') return 'reason';
    if (this.code === 'validation_failed' && Array.isArray(this.details)) {
      const first = this.details[0] as { path?: unknown } | undefined;
      if (first && typeof first.path === 'string' && first.path) return first.path;
    }
    return null;
  }
}

/**
 * Subscribers hear about a 401 (the session ended) or a suspended tenant (403 tenant_suspended): the
 * app sends the person to the sign-in page, which says why when they sign in again.
 */
const unauthenticated = new Set<() => void>();
export const onUnauthenticated = (f: () => void) => {
  unauthenticated.add(f);
  return () => unauthenticated.delete(f);
};

/** Support says why it reads mail content or resets a password (the API's Postwerk-Reason header, percent-encoded). */
export const SUPPORT_MIN_REASON_CHARS = 5;
export const SUPPORT_MAX_REASON_CHARS = 500;
export const reasonHeader = (reason: string): { 'Postwerk-Reason'?: string } =>
  reason.trim() ? { 'Postwerk-Reason': encodeURIComponent(reason.trim()) } : {};

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** Awaits an openapi-fetch call; resolves to its data, or throws ApiError with the API's message. */
export async function call<T>(p: Promise<Answer<T>>): Promise<T> {
  let r: Answer<T>;
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, 'network', `the server cannot be reached (${(e as Error).message})`, null);
  }
  if (r.response.ok) return r.data as T;
  const body = r.error as Partial<ApiErrorBody> | undefined;
  const err = body?.error
    ? new ApiError(r.response.status, body.error.code, body.error.message, body.error.details)
    : new ApiError(r.response.status, 'http_' + r.response.status, `${r.response.status} ${r.response.statusText}`, null);
  if ((r.response.status === 401 && err.code === 'unauthenticated') || err.code === 'tenant_suspended')
    for (const f of unauthenticated) f();
  throw err;
}

/** Follows nextCursor until the end (bounded): for lists the portal sorts and searches itself. */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  maxPages = 40,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const p = await page(cursor);
    out.push(...p.items);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

type Schemas = paths;
/** The JSON answer of a GET path, e.g. `Answer200<'/tenants/{tenantId}/quota'>`. */
export type GetAnswer<P extends keyof Schemas> = Schemas[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;
