import type { ComponentChildren } from 'preact';
import type { Resource } from '../live';
import { NotFound } from '../pages/not-found';
import { FormError, Loading } from './ui';

/**
 * Renders a page's main resource: loading, the not-found page when the API answers 404 (a missing
 * object and another tenant's look the same) or 403, the API's message for other errors, else the data.
 */
export function Loaded<T>({ res, children }: { res: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (res.error && (res.error.status === 404 || res.error.status === 403) && res.data === undefined) return <NotFound />;
  if (res.data === undefined) return res.error ? <FormError error={res.error} /> : <Loading />;
  return <>{children(res.data)}</>;
}
