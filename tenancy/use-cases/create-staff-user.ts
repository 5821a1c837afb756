import { z } from 'zod';
import { ROLES } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { isUniqueViolation, nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { conflict } from '../../platform/errors';
import { assertStrongPassword, hashPassword } from '../../platform/passwords';
import { presentStaff } from '../presenters';
import { findStaffByEmail, insertStaff } from '../repositories/staff';
import type { StaffRow } from '../repositories/rows';
import { password } from '../shared/schemas';
import { authorize, newId } from '../shared/support';
import { checkRoleGrant } from '../shared/staff-roles';

export const createStaffUserInput = z.strictObject({
  email: z.email().max(320),
  name: z.string().max(200).optional(),
  password,
  role: z.enum(ROLES),
  tenantId: z.uuid().nullable().optional(),
});
export type CreateStaffInput = z.infer<typeof createStaffUserInput>;

/** A person who signs in to the portal (operator, tenant admin, migration engineer, support). */
export async function createStaffUser(ctx: Ctx, input: CreateStaffInput) {
  authorize(ctx, 'staff.write');
  const email = input.email.trim().toLowerCase();
  const name = (input.name ?? '').trim();
  assertStrongPassword(input.password, [email.split('@')[0]!, ...name.split(/\s+/)]);
  const hash = await hashPassword(input.password, ctx.config.passwordCost);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenantId = await checkRoleGrant(trx, ctx, input.role, input.tenantId);
    if (await findStaffByEmail(trx, email)) throw staffTaken(email);
    const now = nowIso();
    const row: StaffRow = {
      id: newId(),
      email,
      name,
      password_hash: hash,
      role: input.role,
      tenant_id: tenantId,
      status: 'active',
      created_at: now,
      updated_at: now,
    };
    try {
      await insertStaff(trx, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw staffTaken(email);
      throw e;
    }
    const out = presentStaff(row);
    await appendAudit(trx, ctx.actor, { action: 'staff.created', tenantId, target: { type: 'staff', id: row.id }, after: out });
    return out;
  });
}

const staffTaken = (email: string) => conflict(`a staff user ${email} already exists`, [{ path: 'email', message: 'already exists' }]);
