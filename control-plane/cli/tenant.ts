import type { Command } from 'commander';
import { formatBytes } from '../../platform/format';
import { createTenant } from '../../tenancy/use-cases/create-tenant';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { listDomains, resolveDomain, type ListDomainsInput } from '../../tenancy/use-cases/list-domains';
import { listTenants, resolveTenant, type ListTenantsInput } from '../../tenancy/use-cases/list-tenants';
import { markDomainVerified } from '../../tenancy/use-cases/mark-domain-verified';
import { resumeDomain, suspendDomain } from '../../tenancy/use-cases/set-domain-status';
import { verifyDomain } from '../../tenancy/use-cases/verify-domain';
import { resumeTenant, suspendTenant } from '../../tenancy/use-cases/suspend-tenant';
import type { Domain, Tenant } from '../../tenancy/presenters';
import type { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { intOption, output, parseBytes, withCtx, type OutputOptions } from './runtime';

type T = z.infer<typeof Tenant>;
type D = z.infer<typeof Domain>;
const tenantLine = (t: T) =>
  `${t.slug}\t${t.id}\t${t.status}\t${t.name}\tpool ${formatBytes(t.poolBytes)}, default ${formatBytes(t.defaultAllocationBytes)}`;
const domainLine = (d: D) =>
  `${d.name}\t${d.id}\t${d.status}${d.unicodeName !== d.name ? `\t(${d.unicodeName})` : ''}` +
  (d.verification.status === 'pending'
    ? `\tpending: publish TXT ${d.verification.record?.name ?? '?'} "${d.verification.record?.value ?? ''}"` +
      (d.verification.lastError ? ` (last check: ${d.verification.lastError})` : '')
    : '');

/** `postwerk tenant …` and `postwerk domain …` */
export function registerTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('tenants (customer companies)');
  tenant
    .command('create')
    .description('create a tenant')
    .requiredOption('--slug <slug>', 'short name: letters, digits, hyphens')
    .requiredOption('--name <name>', 'company name')
    .option('--pool <size>', 'storage pool (e.g. 10GiB)', parseBytes)
    .option('--default-allocation <size>', 'allocation of new accounts (e.g. 1GiB)', parseBytes)
    .option('--json', 'JSON output')
    .action((o: { slug: string; name: string; pool?: number; defaultAllocation?: number } & OutputOptions) =>
      withCtx(async (ctx) =>
        output(
          o,
          await createTenant(ctx, { slug: o.slug, name: o.name, poolBytes: o.pool, defaultAllocationBytes: o.defaultAllocation }),
          tenantLine,
        ),
      ),
    );
  tenant
    .command('list')
    .description('list tenants')
    .option('--status <status>', 'active | suspended')
    .option('--search <prefix>', 'slug prefix')
    .option('--limit <n>', 'page size', intOption('--limit'), 100)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action((o: { status?: ListTenantsInput['status']; search?: string; limit: number; cursor?: string } & OutputOptions) =>
      withCtx(async (ctx) =>
        output(o, await listTenants(ctx, o), (p: { items: T[]; nextCursor: string | null }) => [
          ...p.items.map(tenantLine),
          ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ]),
      ),
    );
  tenant
    .command('show <tenant>')
    .description('show a tenant (id or slug)')
    .option('--json', 'JSON output')
    .action((t: string, o: OutputOptions) => withCtx(async (ctx) => output(o, await resolveTenant(ctx, t), tenantLine)));
  for (const [name, fn, what] of [
    ['suspend', suspendTenant, 'suspend a tenant: all its mailboxes close for logins'],
    ['resume', resumeTenant, 'resume a suspended tenant'],
  ] as const) {
    tenant
      .command(`${name} <tenant>`)
      .description(what)
      .option('--json', 'JSON output')
      .action((t: string, o: OutputOptions) =>
        withCtx(async (ctx) => output(o, await fn(ctx, (await resolveTenant(ctx, t)).id), tenantLine)),
      );
  }

  const domain = program.command('domain').description("a tenant's mail domains");
  domain
    .command('add <tenant> <name>')
    .description('add a domain to a tenant (verified at once: the CLI is an operator; --require-dns to check its TXT record first)')
    .option('--require-dns', 'keep it pending until its TXT record _postwerk.<name> is found')
    .option('--json', 'JSON output')
    .action((t: string, name: string, o: { requireDns?: boolean } & OutputOptions) =>
      withCtx(async (ctx) =>
        output(
          o,
          await createDomain(ctx, (await resolveTenant(ctx, t)).id, { name, ...(o.requireDns ? { verified: false } : {}) }),
          domainLine,
        ),
      ),
    );
  domain
    .command('list <tenant>')
    .description("list a tenant's domains")
    .option('--status <status>', 'verified | active | suspended')
    .option('--limit <n>', 'page size', intOption('--limit'), 100)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action((t: string, o: { status?: ListDomainsInput['status']; limit: number; cursor?: string } & OutputOptions) =>
      withCtx(async (ctx) =>
        output(o, await listDomains(ctx, (await resolveTenant(ctx, t)).id, o), (p: { items: D[] }) => p.items.map(domainLine)),
      ),
    );
  for (const [name, fn, what] of [
    ['suspend', suspendDomain, "suspend a domain: its accounts' logins are refused"],
    ['resume', resumeDomain, 'resume a suspended domain'],
    ['verify', verifyDomain, "check a pending domain's DNS TXT record now (verified when found)"],
    [
      'mark-verified',
      (ctx, tenantId, id) => markDomainVerified(ctx, tenantId, id, { verified: true }),
      'mark a domain verified without its DNS record',
    ],
  ] as const satisfies ReadonlyArray<readonly [string, (ctx: Ctx, tenantId: string, id: string) => Promise<D>, string]>) {
    domain
      .command(`${name} <tenant> <domain>`)
      .description(what)
      .option('--json', 'JSON output')
      .action((t: string, d: string, o: OutputOptions) =>
        withCtx(async (ctx) => {
          const tenantId = (await resolveTenant(ctx, t)).id;
          output(o, await fn(ctx, tenantId, (await resolveDomain(ctx, tenantId, d)).id), domainLine);
        }),
      );
  }
}
