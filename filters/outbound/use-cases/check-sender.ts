import { domainToASCII } from 'node:url';
import type { Services } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { resolveAddress } from '../../../tenancy/use-cases/resolve-address';
import { findSuspension } from '../repositories/outbound';
import type { Submitter } from './authenticate-submitter';

/**
 * MAIL FROM on the submission port: only after AUTH (554 5.7.1: no relaying for strangers), and the
 * envelope sender must be the account's own address or one of its aliases (553 5.7.1 otherwise:
 * another tenant's address, another account's, or a domain nobody here holds). The null sender is not
 * for clients (bounces are the platform's). An account whose sending is suspended is refused (554 5.7.1).
 */
export async function checkSender(deps: Pick<Services, 'db'>, submitter: Submitter | null, mailFrom: string): Promise<void> {
  if (!submitter) throw new AppError('relay_denied', 'Authentication required');
  const raw = mailFrom.trim();
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) throw new AppError('sender_denied', 'Sender address must be one of your own addresses');
  const address = `${raw.slice(0, at).toLowerCase()}@${domainToASCII(raw.slice(at + 1).toLowerCase())}`;
  const resolved = address.length <= 320 ? await resolveAddress(deps.db, { address }) : null;
  if (!resolved || resolved.account.id !== submitter.accountId) {
    throw new AppError('sender_denied', `Sender address rejected: ${address} is not an address of ${submitter.username}`);
  }
  if (resolved.undeliverable) throw new AppError('relay_denied', `Sending refused (${resolved.undeliverable.replace('_', ' ')})`);
  const suspended = await findSuspension(deps.db, submitter.accountId);
  if (suspended) {
    throw new AppError(
      'relay_denied',
      `Sending suspended for this account (${suspended.reason.replace('_', ' ')}); ask your administrator`,
    );
  }
}
