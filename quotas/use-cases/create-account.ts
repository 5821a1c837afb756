import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { assertStrongPassword, hashPassword } from '../../platform/passwords';
import { assertPoolCovers } from '../shared/pool';
import { presentAccount } from '../../tenancy/presenters';
import { parseAddress } from '../../tenancy/shared/addresses';
import { passwordContext, provisionAccount, tenantDomain } from '../../tenancy/shared/provision-account';
import { address, bytes, displayName, password } from '../../tenancy/shared/schemas';
import { authorize, loadTenant } from '../../tenancy/shared/support';

export const createAccountInput = z.strictObject({
  address,
  password,
  displayName: displayName.optional(),
  /** default: the tenant's default_allocation_bytes */
  allocationBytes: bytes.optional(),
  status: z.enum(['active', 'suspended']).optional(),
});
export type CreateAccountInput = z.infer<typeof createAccountInput>;

/**
 * Creates a mailbox. Dovecot sees it on the next lookup (mail_users view, no auth cache): the account
 * can log in as soon as this returns. The allocation comes out of the tenant's pool, checked under the
 * pool lock in the same transaction. It lives in quotas/ because it spans both modules: the account is
 * tenancy's, the allocation out of the pool is quotas' (see tenancy/README.md).
 */
export async function createAccount(ctx: Ctx, tenantId: string, input: CreateAccountInput) {
  authorize(ctx, 'account.write', tenantId);
  const parsed = parseAddress(input.address);
  const displayName = (input.displayName ?? '').trim();
  assertStrongPassword(input.password, passwordContext(parsed.localPart, displayName));
  // bcrypt is slow on purpose: hash before the transaction so that the pool lock is held briefly
  const passwordHash = await hashPassword(input.password, ctx.config.passwordCost);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenant = await loadTenant(trx, ctx, tenantId);
    const domain = await tenantDomain(trx, tenant, parsed);
    const row = await provisionAccount(
      trx,
      ctx.actor,
      tenant,
      domain,
      {
        parsed,
        passwordHash,
        displayName,
        allocationBytes: input.allocationBytes,
        status: input.status ?? 'active',
      },
      assertPoolCovers,
    );
    return presentAccount(row);
  });
}
