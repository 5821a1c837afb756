import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { AppError, isAppError } from '../../platform/errors';
import { clientEndpoints, type ClientEndpoints } from '../client-setup/endpoints';
import { findDomainByName } from '../repositories/domains';
import type { DomainRow } from '../repositories/rows';
import { normalizeDomain, parseAddress } from '../shared/addresses';
import { address } from '../shared/schemas';

/**
 * Client setup, public (autoconfig and Autodiscover ask it without signing in): which servers a mail
 * client of `emailAddress`, or of the domain the request was sent to (`host`), should use. Answers only
 * for the platform's hosted domains that are verified and not suspended; any other domain gets 404, as
 * if it were unknown. Whether the address is an account is not looked up and not told: the answer is the
 * same for every address of a hosted domain, so it reveals no mailbox.
 */
export const resolveClientSetupInput = z.object({
  emailAddress: address.optional(),
  /** the Host header: `example.com`, `autoconfig.example.com` or `autodiscover.example.com`, a port allowed */
  host: z.string().max(300).optional(),
});
export type ResolveClientSetupInput = z.infer<typeof resolveClientSetupInput>;

export interface ClientSetup {
  domain: string;
  /** the address asked for, normalized; null when the domain came from the Host header */
  address: string | null;
  endpoints: ClientEndpoints;
}

/** The names clients put in front of the mail domain when they look for its setup. */
const SETUP_LABELS = /^(autoconfig|autodiscover)\./;

function domainOfHost(host: string): string | null {
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(SETUP_LABELS, '');
  try {
    return normalizeDomain(name, 'host');
  } catch (e) {
    if (isAppError(e)) return null; // an IP address or junk: no hosted domain
    throw e;
  }
}

const hosted = (row: DomainRow | undefined): row is DomainRow =>
  !!row && row.verification_status === 'verified' && row.status !== 'suspended';

export async function resolveClientSetup(ctx: Ctx, input: ResolveClientSetupInput): Promise<ClientSetup> {
  const parsed = input.emailAddress !== undefined ? parseAddress(input.emailAddress, 'emailaddress') : null;
  const domain = parsed?.domain ?? (input.host ? domainOfHost(input.host) : null);
  if (!domain) throw new AppError('not_found', 'no mail domain of this platform named (send emailaddress=user@domain)');
  const row = await findDomainByName(ctx.db, domain);
  if (!hosted(row)) throw new AppError('not_found', `${domain} is not a mail domain hosted here`);
  return { domain: row.name, address: parsed?.address ?? null, endpoints: clientEndpoints(ctx.config.clientSetup) };
}
