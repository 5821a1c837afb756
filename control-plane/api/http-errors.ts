import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, isAppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';

/**
 * The one place where errors become HTTP answers, always `{error: {code, message, details}}`.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof ZodError) {
    const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = details[0];
    return new AppError('validation_failed', first ? `${first.path || 'input'}: ${first.message}` : 'invalid input', details);
  }
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e?.type === 'entity.parse.failed') return new AppError('malformed_json', `request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large', `request body is larger than the limit of ${e.limit} bytes`);
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new AppError('validation_failed', e.message ?? 'unsupported encoding');
  return new AppError('internal', 'internal error', undefined, { cause: err });
}

export function errorBody(err: AppError) {
  return { error: { code: err.code, message: err.expose ? err.message : 'internal error', details: err.details ?? null } };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) logger.error({ err, path: req.path, method: req.method }, 'request failed');
    if (res.headersSent) return res.end();
    if (appErr.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(appErr.retryAfterSeconds)));
    res.status(appErr.status).json(errorBody(appErr));
  };
}
