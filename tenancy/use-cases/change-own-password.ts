import { z } from 'zod';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { assertStrongPassword, hashPassword } from '../../platform/passwords';
import { deleteSessionsOfExcept, updateStaff } from '../repositories/staff';
import { password } from '../shared/schemas';
import { ownStaffRow } from '../shared/second-factor';
import { reauthenticate } from '../shared/reauthenticate';
import { hashSecret } from '../shared/tokens';

export const changeOwnPasswordInput = z.strictObject({ currentPassword: password, newPassword: password });
export type ChangeOwnPasswordInput = z.infer<typeof changeOwnPasswordInput>;

export const PasswordChanged = z.object({ otherSessionsEnded: z.number().int() });

/**
 * The signed-in staff user changes their own password: the current one is required (wrong ones count in
 * the sign-in limits), and every other session of theirs ends. `keepSessionSecret` is the session the
 * change is made in, which stays signed in.
 */
export async function changeOwnPassword(
  ctx: Ctx,
  input: ChangeOwnPasswordInput,
  keepSessionSecret: string | undefined,
): Promise<z.infer<typeof PasswordChanged>> {
  const user = await ownStaffRow(ctx.db, ctx.actor);
  await reauthenticate(ctx, user, { password: input.currentPassword });
  if (input.newPassword === input.currentPassword)
    throw invalid('newPassword must differ from the current one', [{ path: 'newPassword', message: 'is the current password' }]);
  try {
    assertStrongPassword(input.newPassword, [user.email.split('@')[0]!, ...user.name.split(/\s+/)]);
  } catch (e) {
    throw invalid((e as Error).message.replace(/^password/, 'newPassword'), [{ path: 'newPassword', message: (e as Error).message }]);
  }
  const hash = await hashPassword(input.newPassword, ctx.config.passwordCost);
  return inTransaction(ctx.db, async ({ trx }) => {
    await updateStaff(trx, user.id, { password_hash: hash, updated_at: nowIso() });
    const otherSessionsEnded = await deleteSessionsOfExcept(trx, user.id, keepSessionSecret ? hashSecret(keepSessionSecret) : null);
    await appendAudit(trx, ctx.actor, {
      action: 'staff.password_changed',
      tenantId: user.tenant_id,
      target: { type: 'staff', id: user.id },
      after: { otherSessionsEnded },
    });
    return { otherSessionsEnded };
  });
}
