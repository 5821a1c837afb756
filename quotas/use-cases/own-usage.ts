import { z } from 'zod';
import type { Services } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { readUsage } from '../shared/dovecot-usage';
import * as allocations from '../../tenancy/repositories/allocations';

/** A mail user's own mailbox: its allocation and what it holds now, as Dovecot counts it. */
export const OwnUsage = z.object({
  address: z.string(),
  allocationBytes: z.number(),
  usedBytes: z.number(),
  usedMessages: z.number(),
  /** usage in percent of the allocation, one decimal */
  percent: z.number(),
});
export type OwnUsage = z.infer<typeof OwnUsage>;

/**
 * Self-service: the signed-in mail user's usage against their allocation. Read live from Dovecot (one
 * account, the one of the session, so one doveadm request) rather than from the last collection: a user
 * who just restored or deleted mail sees the effect at once, and a new account has figures before its
 * first collection. Another tenant's or account's figures cannot be named: the account is the session's.
 */
export async function ownUsage(
  services: Pick<Services, 'db' | 'doveadm'>,
  user: { accountId: string; tenantId: string },
): Promise<OwnUsage> {
  const account = await allocations.findAllocationById(services.db, user.accountId);
  if (!account || account.tenant_id !== user.tenantId) throw notFound('account', user.accountId);
  const { usedBytes, usedMessages } = await readUsage(services.doveadm, account.address);
  return {
    address: account.address,
    allocationBytes: account.allocation_bytes,
    usedBytes,
    usedMessages,
    percent: Math.round((usedBytes * 1000) / Math.max(account.allocation_bytes, 1)) / 10,
  };
}
