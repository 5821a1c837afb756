import path from 'node:path';

/** Where a quarantined message's sealed file lives, relative to the quarantine folder: one folder per tenant. */
export const quarantineFile = (tenantId: string, id: string): string => path.join(tenantId, `${id}.pwq`);
