import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { clientDnsRecords } from '../client-setup/dns-records';
import { clientEndpoints } from '../client-setup/endpoints';
import { findDomain } from '../repositories/domains';
import { authorize } from '../shared/support';

/**
 * What a tenant publishes so that mail clients of its domain set themselves up (SRV and CNAME records),
 * and the endpoints they will be told. Shown for pending domains too, so the records can go in with the
 * ownership TXT record; the public autoconfig and Autodiscover answer once the domain is verified.
 */
export async function domainClientRecords(ctx: Ctx, tenantId: string, domainId: string) {
  authorize(ctx, 'domain.read', tenantId);
  const row = await findDomain(ctx.db, tenantId, domainId);
  if (!row) throw notFound('domain', domainId);
  const settings = ctx.config.clientSetup;
  return {
    domain: row.name,
    answered: row.verification_status === 'verified' && row.status !== 'suspended',
    endpoints: clientEndpoints(settings),
    records: clientDnsRecords(row.name, settings),
  };
}
