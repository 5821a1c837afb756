import { z } from 'zod';
import { MAX_DISPLAY_NAME, NO_CONTROL_CHARACTERS } from '../limits';

/** Schema pieces the tenancy use cases' input schemas share (and so the routes built from them). */
export const bytes = z
  .number()
  .int()
  .min(0)
  .max(2 ** 50);
export const address = z.string().min(3).max(320);
export const password = z.string().min(1).max(200);
/** Display names end up in mail headers: no control characters (a line break would inject a header). */
export const displayName = z
  .string()
  .max(MAX_DISPLAY_NAME)
  .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters or line breaks');
/** Address prefix search; the list escapes LIKE wildcards itself. */
export const search = z.string().min(1).max(320).optional();
/** A domain named by the caller (Unicode or ASCII). */
export const domainName = z.string().min(1).max(253);
