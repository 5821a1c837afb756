import { z } from 'zod';
import type { Db } from '../../../platform/db';
import { AppError } from '../../../platform/errors';
import { findPolicyRow, listEntries } from '../repositories/policies';
import { bandSchema, defaultPolicy, quarantineDaysSchema, releasePolicySchema, type FilterPolicy } from '../policy';

export const loadPolicyInput = z.uuid();

const storedBands = z.array(bandSchema);

/**
 * A tenant's filter policy with its allow and block lists, as decide() takes it: the stored one, or
 * the defaults for a tenant that never set one. No permission check: the pipeline (a system actor)
 * asks for every message; the API reads it through getFilterPolicy, which checks.
 */
export async function loadPolicy(db: Db, tenantId: string): Promise<FilterPolicy> {
  loadPolicyInput.parse(tenantId);
  const [row, entries] = await Promise.all([findPolicyRow(db, tenantId), listEntries(db, tenantId)]);
  const policy = defaultPolicy(tenantId);
  if (row) {
    // A row that does not parse was written by hand or by a newer version: stop loudly rather than
    // filter a tenant's mail by a half-read policy (the pipeline retries the message meanwhile).
    const bands = storedBands.safeParse(JSON.parse(row.bands));
    const release = releasePolicySchema.safeParse(JSON.parse(row.release_policy));
    const days = quarantineDaysSchema.safeParse(Number(row.quarantine_days));
    if (!bands.success || !release.success || !days.success)
      throw new AppError('internal', `the filter policy of tenant ${tenantId} in the database is not valid`);
    policy.bands = bands.data;
    policy.releasePolicy = release.data;
    policy.quarantineDays = days.data;
    policy.isDefault = false;
    policy.updatedAt = row.updated_at;
  }
  for (const e of entries) (e.list === 'allow' ? policy.allow : policy.block).push(e.pattern);
  return policy;
}
