import { domainToASCII } from 'node:url';
import { z } from 'zod';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { mayAccept, type MayAcceptDeps } from '../../quotas/use-cases/may-accept';
import { domainAcceptance, resolveAddress } from '../../tenancy/use-cases/resolve-address';
import { findProbeMailboxByAddress, PROBE_DOMAIN } from '../../tenancy/repositories/probe-mailboxes';
import type { SpoolTarget } from '../spool/spool';

export const checkRecipientInput = z.object({
  address: z.string(),
  /** SIZE= of MAIL FROM, 0 when the client declared none */
  declaredSize: z.number().int().min(0).default(0),
});
export type CheckRecipientInput = z.input<typeof checkRecipientInput>;

export type CheckRecipientDeps = Pick<Services, 'db' | 'doveadm' | 'logger'> & Pick<MayAcceptDeps, 'liveUsage'>;

/**
 * The policy at RCPT TO: may this address receive this message? Answers the accounts that will store
 * it (an alias resolves to its account, local forwardings add their accounts, a forwarding without a
 * local copy removes the account itself) or throws AppError, which filters/smtp/replies.ts turns into
 * the reply. Never an open relay: a domain that is not the platform's is refused before anything else,
 * and so is a domain whose tenant has not shown it owns it yet (554 5.7.1; tenancy/shared/domain-ownership.ts).
 * A tenant's probe mailbox (operability/, `…@probe.postwerk.invalid`) takes mail too: the delivery probe.
 */
export async function checkRecipient(deps: CheckRecipientDeps, input: CheckRecipientInput): Promise<SpoolTarget[]> {
  const { address: raw, declaredSize } = checkRecipientInput.parse(input);
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) throw new AppError('validation_failed', 'Recipient address must be user@domain');
  const domain = domainToASCII(raw.slice(at + 1).toLowerCase());
  if (domain === PROBE_DOMAIN) {
    // the end-to-end delivery probe (operability/): the platform's own mailbox of a tenant, under an
    // unguessable login name; it takes nothing from the pool, so no quota check
    const probe = await findProbeMailboxByAddress(deps.db, `${raw.slice(0, at).toLowerCase()}@${domain}`);
    if (!probe) throw new AppError('recipient_unknown', 'No such user here');
    return [{ recipient: probe.address, accountId: probe.id, tenantId: probe.tenant_id, address: probe.address }];
  }
  const acceptance = domain ? await domainAcceptance(deps.db, domain) : 'none';
  if (acceptance === 'none') {
    throw new AppError('relay_denied', `Relay access denied: ${domain || 'this domain'} is not served here`);
  }
  if (acceptance === 'pending') {
    throw new AppError('relay_denied', `Relay access denied: ${domain} is not served here yet (domain ownership not verified)`);
  }
  const address = `${raw.slice(0, at).toLowerCase()}@${domain}`;
  if (address.length > 320) throw new AppError('recipient_unknown', 'No such user here');
  const resolved = await resolveAddress(deps.db, { address });
  if (!resolved) throw new AppError('recipient_unknown', 'No such user here');
  if (resolved.undeliverable) {
    throw new AppError('recipient_disabled', `Mailbox disabled, not accepting messages (${resolved.undeliverable.replace('_', ' ')})`);
  }
  const answer = await mayAccept(deps, address, declaredSize);
  if (answer.reason === 'unknown_address') throw new AppError('recipient_unknown', 'No such user here');
  if (answer.reason === 'pool_full') throw new AppError('pool_exceeded', 'Storage pool of this domain is full, try again later');
  if (!answer.accept) throw new AppError('quota_exceeded', 'Mailbox full, try again later');
  const targets = answer.accounts.map((a) => ({ recipient: address, accountId: a.accountId, tenantId: a.tenantId, address: a.address }));
  // Every storing account forwards elsewhere without a local copy: forwarding outside the platform is
  // not built yet, so the account keeps the message rather than nobody.
  if (!targets.length) {
    targets.push({ recipient: address, accountId: resolved.account.id, tenantId: resolved.tenant.id, address: resolved.account.address });
  }
  return targets;
}
