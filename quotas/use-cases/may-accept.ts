import { z } from 'zod';
import type { Services } from '../../platform/context';
import { MAX_FORWARD_HOPS, MAY_ACCEPT_LIVE_TIMEOUT_MS } from '../limits';
import { withTimeout } from '../../platform/timeout';
import { readUsage } from '../shared/dovecot-usage';
import type { LiveUsage } from '../shared/live-usage';
import * as allocations from '../../tenancy/repositories/allocations';
import * as repo from '../repositories/usage';

/**
 * "May this address take N more bytes now?": the question the SMTP ingress (a later issue) asks at
 * RCPT TO, with N from the SIZE= parameter of MAIL FROM (0 when absent). It answers 452 4.2.2 itself
 * for a full account, so the sending MTA keeps the message and retries.
 *
 * The address is resolved to the accounts that would store the message:
 * - an account address is that account; an alias is the account it points to;
 * - an account whose forwardings all drop the local copy (keep_copy = 0) stores nothing itself;
 *   one with any forwarding keeping a copy (or none at all) stores the message;
 * - forwarding targets on this platform (accounts or aliases) store it too, followed up to
 *   MAX_FORWARD_HOPS and never twice (loops end); outside targets are the remote server's business.
 * The message may be taken only when every storing account has room: usage + N ≤ allocation.
 *
 * Figures: the allocation is read from the database (the source of truth that Dovecot also reads);
 * the usage is asked live from Dovecot (quotaGet, one loopback request of a few ms), because the
 * recorded figure can be minutes old and a migration or a burst of mail fills an account much faster
 * than that. The ingress shares one figure per account between the RCPTs of a few seconds (deps.liveUsage).
 * When Dovecot does not answer within MAY_ACCEPT_LIVE_TIMEOUT_MS, the recorded figure
 * answers instead (`source: 'recorded'`): better a slightly stale answer than a stalled RCPT, and
 * Dovecot still enforces the exact limit at delivery.
 *
 * The pool: allocations never add up to more than it, but a declared size may not take a tenant's
 * stored bytes (as last collected) over its pool either: `pool_full`, with the tenant in `poolFull`.
 *
 * Not found is a value: an unknown address answers `{accept: false, reason: 'unknown_address'}`.
 */
export const MayAcceptReason = z.enum(['ok', 'unknown_address', 'over_quota', 'pool_full']);
export type MayAcceptReason = z.infer<typeof MayAcceptReason>;

export const StoringAccount = z.object({
  accountId: z.string(),
  tenantId: z.string(),
  address: z.string(),
  allocationBytes: z.number(),
  usedBytes: z.number(),
  freeBytes: z.number(),
  source: z.enum(['dovecot', 'recorded']),
});
export type StoringAccount = z.infer<typeof StoringAccount>;

export const MayAcceptAnswer = z.object({
  accept: z.boolean(),
  reason: MayAcceptReason,
  /** the accounts that would store the message, with their figures */
  accounts: z.array(StoringAccount),
  /** the first account without room, when refused */
  full: StoringAccount.optional(),
  /** the tenant whose pool has no room for the declared size, when refused for that */
  poolFull: z.object({ tenantId: z.string(), poolBytes: z.number(), usedBytes: z.number() }).optional(),
});
export type MayAcceptAnswer = z.infer<typeof MayAcceptAnswer>;

export type MayAcceptDeps = Pick<Services, 'db' | 'doveadm' | 'logger'> & {
  /** the ingress's shared live figures (quotas/shared/live-usage.ts); without it every question asks Dovecot */
  liveUsage?: LiveUsage;
};

async function resolveAccount(deps: MayAcceptDeps, address: string): Promise<allocations.AccountAllocationRow | null> {
  return (await allocations.findAllocationByAddress(deps.db, address)) ?? (await allocations.findAliasTarget(deps.db, address));
}

/** The accounts that store a message sent to `address` (empty when the address is unknown). */
export async function storingAccounts(deps: MayAcceptDeps, address: string): Promise<allocations.AccountAllocationRow[] | null> {
  const first = await resolveAccount(deps, address.trim().toLowerCase());
  if (!first) return null;
  const storing: allocations.AccountAllocationRow[] = [];
  const seen = new Set<string>();
  let frontier = [first];
  for (let hop = 0; hop <= MAX_FORWARD_HOPS && frontier.length; hop++) {
    const next: allocations.AccountAllocationRow[] = [];
    for (const account of frontier) {
      if (seen.has(account.id)) continue;
      seen.add(account.id);
      const forwards = await allocations.forwardingsOf(deps.db, account.id);
      if (!forwards.length || forwards.some((f) => f.keep_copy)) storing.push(account);
      for (const f of forwards) {
        const local = await resolveAccount(deps, f.target_address);
        if (local) next.push(local);
      }
    }
    frontier = next;
  }
  return storing;
}

async function figuresOf(deps: MayAcceptDeps, account: allocations.AccountAllocationRow): Promise<StoringAccount> {
  let usedBytes: number;
  let source: StoringAccount['source'] = 'dovecot';
  try {
    const live = deps.liveUsage
      ? deps.liveUsage.usedBytes(account.address)
      : readUsage(deps.doveadm, account.address).then((u) => u.usedBytes);
    usedBytes = await withTimeout(live, MAY_ACCEPT_LIVE_TIMEOUT_MS, 'quotaGet');
  } catch (e) {
    deps.logger.warn(
      { err: (e as Error).message, accountId: account.id },
      'mayAccept: live usage unavailable; answering from the recorded figure',
    );
    usedBytes = (await repo.usageOf(deps.db, [account.id])).get(account.id)?.used_bytes ?? 0;
    source = 'recorded';
  }
  return {
    accountId: account.id,
    tenantId: account.tenant_id,
    address: account.address,
    allocationBytes: account.allocation_bytes,
    usedBytes,
    freeBytes: account.allocation_bytes - usedBytes,
    source,
  };
}

export async function mayAccept(deps: MayAcceptDeps, address: string, bytes: number): Promise<MayAcceptAnswer> {
  const storing = await storingAccounts(deps, address);
  if (!storing) return { accept: false, reason: 'unknown_address', accounts: [] };
  const accounts = await Promise.all(storing.map((a) => figuresOf(deps, a)));
  const need = Math.max(0, Math.floor(bytes));
  // Full means: not even an empty message more (Dovecot refuses at usage ≥ limit), or not N more.
  const full = accounts.find((a) => a.freeBytes <= 0 || a.freeBytes < need);
  if (full) return { accept: false, reason: 'over_quota', accounts, full };
  if (need > 0) {
    for (const tenantId of new Set(accounts.map((a) => a.tenantId))) {
      const tenant = await allocations.findTenantPool(deps.db, tenantId);
      if (!tenant) continue;
      const { usedBytes } = await repo.tenantUsage(deps.db, tenantId);
      if (usedBytes + need > tenant.pool_bytes) {
        return { accept: false, reason: 'pool_full', accounts, poolFull: { tenantId, poolBytes: tenant.pool_bytes, usedBytes } };
      }
    }
  }
  return { accept: true, reason: 'ok', accounts };
}
