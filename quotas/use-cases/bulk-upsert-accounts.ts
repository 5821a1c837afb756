import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { AppError, isAppError } from '../../platform/errors';
import { hashPassword } from '../../platform/passwords';
import { MAX_BULK_ERRORS_REPORTED } from '../../tenancy/limits';
import { presentAccount } from '../../tenancy/presenters';
import { accountsByAddresses, findAccount, updateAccount } from '../../tenancy/repositories/accounts';
import { parseBulkCsv, type BulkColumn, type RowError } from '../../tenancy/shared/bulk-csv';
import { provisionAccount, tenantDomain } from '../../tenancy/shared/provision-account';
import { assertPoolCovers } from '../shared/pool';
import { authorize, kickUsers, loadTenant } from '../../tenancy/shared/support';

/** The request body is the CSV text itself (its rows: tenancy/shared/bulk-csv.ts). */
export const bulkUpsertAccountsInput = z.string();

export const BulkResult = z.object({
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rows: z.array(
    z.object({ row: z.number(), address: z.string(), accountId: z.string(), result: z.enum(['created', 'updated', 'unchanged']) }),
  ),
});
export type BulkResult = z.infer<typeof BulkResult>;

const rejected = (errors: RowError[]) =>
  new AppError('unprocessable', `${errors.length} row error${errors.length === 1 ? '' : 's'}: nothing was imported`, {
    errors: errors.slice(0, MAX_BULK_ERRORS_REPORTED),
    ...(errors.length > MAX_BULK_ERRORS_REPORTED ? { more: errors.length - MAX_BULK_ERRORS_REPORTED } : {}),
  });

/**
 * Creates or updates many accounts of one tenant from CSV, all or nothing: one transaction, and any
 * row error rolls everything back and answers 422 with every problem found (row, column, message).
 * Checked first without the database (format, addresses, passwords), then in the transaction (domain
 * of the tenant, address free, pool covers the new allocations).
 *
 * Allocation changes of existing accounts are refused here: they go through the quotas module's
 * reassignment, which also checks current usage. New accounts take allocation_bytes or the tenant's
 * default, under the pool lock.
 */
export async function bulkUpsertAccounts(ctx: Ctx, tenantId: string, csv: string): Promise<BulkResult> {
  authorize(ctx, 'account.write', tenantId);
  const { rows, errors } = parseBulkCsv(csv);
  if (errors.length) throw rejected(errors);

  // slow hashes before the transaction, so the pool lock is held briefly
  const hashes = new Map<number, string>();
  for (const r of rows) if (r.password !== undefined) hashes.set(r.row, await hashPassword(r.password, ctx.config.passwordCost));

  const result = await inTransaction(ctx.db, async ({ trx, afterCommit }) => {
    const kicks: string[] = [];
    const tenant = await loadTenant(trx, ctx, tenantId);
    const existing = new Map(
      (
        await accountsByAddresses(
          trx,
          tenantId,
          rows.map((r) => r.parsed.address),
        )
      ).map((a) => [a.address, a]),
    );
    const dbErrors: RowError[] = [];
    const out: BulkResult = { created: 0, updated: 0, unchanged: 0, rows: [] };
    for (const r of rows) {
      const fail = (column: BulkColumn | null, message: string) => dbErrors.push({ row: r.row, line: r.line, column, message });
      const current = existing.get(r.parsed.address);
      try {
        if (!current) {
          const hash = hashes.get(r.row);
          if (!hash) {
            fail('password', 'a new account needs a password');
            continue;
          }
          const domain = await tenantDomain(trx, tenant, r.parsed);
          const row = await provisionAccount(
            trx,
            ctx.actor,
            tenant,
            domain,
            {
              parsed: r.parsed,
              passwordHash: hash,
              displayName: r.displayName ?? '',
              allocationBytes: r.allocationBytes,
              status: r.status ?? 'active',
            },
            assertPoolCovers,
          );
          out.created++;
          out.rows.push({ row: r.row, address: row.address, accountId: row.id, result: 'created' });
          continue;
        }
        if (current.status === 'deleting') {
          fail('address', `account ${current.address} is being deleted; restore it first`);
          continue;
        }
        if (r.allocationBytes !== undefined && r.allocationBytes !== Number(current.allocation_bytes)) {
          fail('allocation_bytes', 'the allocation of an existing account changes through the quota API (reassignment), not the import');
          continue;
        }
        const patch: Record<string, unknown> = {};
        if (r.displayName !== undefined && r.displayName !== current.display_name) patch.display_name = r.displayName;
        if (r.status !== undefined && r.status !== current.status) patch.status = r.status;
        const hash = hashes.get(r.row);
        if (hash) patch.password_hash = hash;
        if (Object.keys(patch).length === 0) {
          out.unchanged++;
          out.rows.push({ row: r.row, address: current.address, accountId: current.id, result: 'unchanged' });
          continue;
        }
        await updateAccount(trx, current.id, { ...patch, updated_at: nowIso() });
        const after = presentAccount((await findAccount(trx, tenantId, current.id))!);
        await appendAudit(trx, ctx.actor, {
          action: 'account.updated',
          tenantId,
          target: { type: 'account', id: current.id },
          before: presentAccount(current),
          after: { ...after, ...(hash ? { passwordChanged: true } : {}) },
        });
        if (hash || patch.status === 'suspended') kicks.push(current.address);
        out.updated++;
        out.rows.push({ row: r.row, address: current.address, accountId: current.id, result: 'updated' });
      } catch (e) {
        if (!isAppError(e)) throw e;
        const column: BulkColumn | null =
          e.code === 'pool_exceeded'
            ? 'allocation_bytes'
            : e.code === 'conflict' || e.code === 'validation_failed' || e.code === 'domain_unverified'
              ? 'address'
              : null;
        fail(column, e.message);
      }
    }
    if (dbErrors.length) throw rejected(dbErrors);
    await appendAudit(trx, ctx.actor, {
      action: 'account.bulk_imported',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      after: { created: out.created, updated: out.updated, unchanged: out.unchanged, rows: rows.length },
    });
    afterCommit(() => kickUsers(ctx, kicks));
    return out;
  });
  return result;
}
