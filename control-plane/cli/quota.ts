import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { formatBytes } from '../../quotas/shared/pool';
import { getPool, type PoolSummary } from '../../quotas/use-cases/get-pool';
import { listAllocations, type AllocationItem } from '../../quotas/use-cases/list-allocations';
import { reassignAllocations, type ReassignResult } from '../../quotas/use-cases/reassign-allocations';
import { changePool, type ChangePoolResult } from '../../quotas/use-cases/change-pool';
import { resolveAccount } from '../../tenancy/use-cases/list-accounts';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { output, parseBytes, withCtx, type OutputOptions } from './runtime';

/** `postwerk quota show|reassign|pool`: the quotas use cases for operators, as the `cli` actor. */
const MAX_LISTED = 500;

const pct = (used: number | null, of: number) => (used === null ? '-' : `${((used * 100) / Math.max(of, 1)).toFixed(1)} %`);

function poolLines(p: PoolSummary): string[] {
  return [
    `pool       ${formatBytes(p.poolBytes)} (default allocation ${formatBytes(p.defaultAllocationBytes)})`,
    `allocated  ${formatBytes(p.allocatedBytes)} over ${p.accounts} accounts; free to allocate ${formatBytes(p.freeBytes)}`,
    `used       ${formatBytes(p.usedBytes)} in ${p.usedMessages} messages (${pct(p.usedBytes, p.poolBytes)} of the pool; collected ${p.collectedAt ?? 'never'})`,
    `full at    ${p.forecast.fullAt ?? 'not growing'}${p.forecast.bytesPerDay !== null ? ` (${formatBytes(Math.round(p.forecast.bytesPerDay))}/day)` : ''}`,
  ];
}

const accountLine = (a: AllocationItem) =>
  `${a.address}\t${formatBytes(a.allocationBytes)}\tused ${a.usedBytes === null ? '-' : formatBytes(a.usedBytes)}\t${pct(a.usedBytes, a.allocationBytes)}\t${a.status}`;

/** `alice@example.com=2GiB` or `<account id>=500MiB` */
function parseChange(text: string): { ref: string; bytes: number } {
  const i = text.lastIndexOf('=');
  if (i < 1) throw invalid(`"${text}": write ACCOUNT=SIZE, e.g. alice@example.com=2GiB`);
  return { ref: text.slice(0, i), bytes: parseBytes(text.slice(i + 1)) };
}

export function registerQuotaCommands(program: Command): void {
  const quota = program.command('quota').description("a tenant's storage pool and its accounts' allocations");
  quota
    .command('show <tenant>')
    .description('pool, allocated, used, free and forecast of a tenant (id or slug), with its accounts')
    .option('--json', 'JSON output')
    .action((t: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const pool = await getPool(ctx, tenant.id);
        const accounts = await listAllocations(ctx, tenant.id, { limit: MAX_LISTED });
        output(o, { pool, accounts: accounts.items }, (v: { pool: PoolSummary; accounts: AllocationItem[] }) => [
          ...poolLines(v.pool),
          '',
          ...v.accounts.map(accountLine),
          ...(accounts.nextCursor ? [`(first ${MAX_LISTED} accounts; the API pages through all)`] : []),
        ]);
      }),
    );
  quota
    .command('reassign <tenant> <changes...>')
    .description('set allocations, all or nothing: ACCOUNT=SIZE … (account by address or id, size like 2GiB)')
    .option('--force', 'allow an allocation below current usage (the account then takes no new mail)')
    .option('--json', 'JSON output')
    .action((t: string, changes: string[], o: { force?: boolean } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const parsed = changes.map(parseChange);
        const resolved = [];
        for (const c of parsed) {
          const account = await resolveAccount(ctx, c.ref);
          if (account.tenantId !== tenant.id) throw invalid(`${c.ref} is not an account of tenant ${tenant.slug}`);
          resolved.push({ accountId: account.id, allocationBytes: c.bytes });
        }
        const result = await reassignAllocations(ctx, { tenantId: tenant.id, changes: resolved, force: o.force });
        output(o, result, (r: ReassignResult) => [
          ...r.changes.map((c) => `${c.address}\t${formatBytes(c.beforeBytes)} -> ${formatBytes(c.afterBytes)}`),
          r.changed
            ? `pool: ${formatBytes(r.pool.allocatedBytes)} of ${formatBytes(r.pool.poolBytes)} allocated, ${formatBytes(r.pool.freeBytes)} free`
            : 'nothing changed',
          ...(r.forcedBelowUsage.length
            ? [`forced below usage (no new mail until under the allocation): ${r.forcedBelowUsage.join(', ')}`]
            : []),
        ]);
      }),
    );
  quota
    .command('pool <tenant> <size>')
    .description("change a tenant's pool (never below the allocated sum)")
    .option('--default-allocation <size>', 'allocation of new accounts', parseBytes)
    .option('--json', 'JSON output')
    .action((t: string, size: string, o: { defaultAllocation?: number } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const result = await changePool(ctx, {
          tenantId: tenant.id,
          poolBytes: parseBytes(size),
          defaultAllocationBytes: o.defaultAllocation,
        });
        output(
          o,
          result,
          (r: ChangePoolResult) =>
            `${r.changed ? 'pool changed' : 'unchanged'}: ${formatBytes(r.pool.poolBytes)}, ${formatBytes(r.pool.allocatedBytes)} allocated, ${formatBytes(r.pool.freeBytes)} free; default allocation ${formatBytes(r.defaultAllocationBytes)}`,
        );
      }),
    );
}
