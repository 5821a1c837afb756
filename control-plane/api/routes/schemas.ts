import { z } from 'zod';
import { MAX_DISPLAY_NAME, NO_CONTROL_CHARACTERS } from '../../../tenancy/limits';

/** Schema pieces shared by the resource route modules. */
export const tenantParams = z.strictObject({ tenantId: z.uuid() });
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
export const okResult = z.object({ ok: z.literal(true) });
