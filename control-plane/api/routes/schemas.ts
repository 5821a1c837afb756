import { z } from 'zod';

/** Schema pieces shared by the resource route modules (bodies and queries come from the use cases). */
export const tenantParams = z.strictObject({ tenantId: z.uuid() });
