import { z } from 'zod';
import { createDomain, createDomainInput } from '../../../tenancy/use-cases/create-domain';
import { getDomain, listDomains, listDomainsInput } from '../../../tenancy/use-cases/list-domains';
import { markDomainVerified, markDomainVerifiedInput } from '../../../tenancy/use-cases/mark-domain-verified';
import { resumeDomain, suspendDomain } from '../../../tenancy/use-cases/set-domain-status';
import { verifyDomain } from '../../../tenancy/use-cases/verify-domain';
import { domainClientRecords } from '../../../tenancy/use-cases/domain-client-records';
import { Domain } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';
import { tenantParams } from './schemas';

const DomainParams = tenantParams.extend({ domainId: z.uuid() });
const Endpoint = z.object({ host: z.string(), port: z.number(), security: z.enum(['tls', 'starttls']) });
const ClientSetup = z.object({
  domain: z.string(),
  answered: z.boolean(),
  endpoints: z.object({ imap: z.array(Endpoint), submission: z.array(Endpoint) }),
  records: z.array(
    z.object({
      type: z.enum(['SRV', 'CNAME']),
      name: z.string(),
      priority: z.number().optional(),
      weight: z.number().optional(),
      port: z.number().optional(),
      target: z.string(),
      value: z.string(),
      purpose: z.string(),
    }),
  ),
});

export const domainRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/domains',
    summary: "List a tenant's domains",
    tags: ['domains'],
    permission: 'domain.read',
    params: tenantParams,
    query: listDomainsInput,
    response: pageOf(Domain),
    handler: (ctx, { params, query }) => listDomains(ctx, params.tenantId, query),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/domains',
    summary:
      "Add a domain (unique platform-wide; IDNA names are stored in ASCII); a tenant admin's stays pending until its DNS TXT record is found",
    tags: ['domains'],
    permission: 'domain.write',
    params: tenantParams,
    body: createDomainInput,
    response: Domain,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => createDomain(ctx, params.tenantId, body),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/domains/:domainId',
    summary: 'Show a domain',
    tags: ['domains'],
    permission: 'domain.read',
    params: DomainParams,
    response: Domain,
    handler: (ctx, { params }) => getDomain(ctx, params.tenantId, params.domainId),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId/domains/:domainId',
    summary: 'Mark a domain verified without its DNS record ({"verified": true}; operators, audited)',
    tags: ['domains'],
    permission: 'domain.verify',
    params: DomainParams,
    body: markDomainVerifiedInput,
    response: Domain,
    handler: (ctx, { params, body }) => markDomainVerified(ctx, params.tenantId, params.domainId, body),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/domains/:domainId/client-setup',
    summary:
      'The DNS records (SRV, CNAME) the tenant publishes so mail clients set themselves up, and the servers they are told; answered (autoconfig, Autodiscover) once the domain is verified',
    tags: ['domains'],
    permission: 'domain.read',
    params: DomainParams,
    response: ClientSetup,
    handler: (ctx, { params }) => domainClientRecords(ctx, params.tenantId, params.domainId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/domains/:domainId/verify',
    summary: "Check a pending domain's DNS TXT record now; verified when found (audited), else lastError says why",
    tags: ['domains'],
    permission: 'domain.write',
    params: DomainParams,
    response: Domain,
    handler: (ctx, { params }) => verifyDomain(ctx, params.tenantId, params.domainId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/domains/:domainId/suspend',
    summary: 'Suspend a domain: its accounts cannot log in (operators)',
    tags: ['domains'],
    permission: 'domain.suspend',
    params: DomainParams,
    response: Domain,
    handler: (ctx, { params }) => suspendDomain(ctx, params.tenantId, params.domainId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/domains/:domainId/resume',
    summary: 'Resume a suspended domain (operators)',
    tags: ['domains'],
    permission: 'domain.suspend',
    params: DomainParams,
    response: Domain,
    handler: (ctx, { params }) => resumeDomain(ctx, params.tenantId, params.domainId),
  }),
];
