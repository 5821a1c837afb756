import { z } from 'zod';
import { ROLES } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { invalid } from '../../platform/errors';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../shared/tokens';
import { presentToken } from '../presenters';
import { insertToken } from '../repositories/staff';
import type { TokenRow } from '../repositories/rows';
import { authorize, newId } from '../shared/support';
import { checkRoleGrant } from '../shared/staff-roles';

/** Characters of the secret kept in clear (`pwk_` + 8), enough to tell tokens apart in a list. */
const SHOWN_PREFIX_LENGTH = 12;
const DAY_MS = 24 * 3600 * 1000;

export const createApiTokenInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
  tenantId: z.uuid().nullable().optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenInput = z.infer<typeof createApiTokenInput>;

/**
 * An API token for automation, scoped to a role and (for tenant_admin) a tenant. The secret is returned
 * here once and never again: only its sha256 is stored. (Hence the create route takes no
 * Idempotency-Key: a replayed answer would have to keep the secret.)
 */
export async function createApiToken(ctx: Ctx, input: CreateTokenInput) {
  authorize(ctx, 'token.write');
  const name = input.name.trim();
  if (!name) throw invalid('name must not be empty', [{ path: 'name', message: 'empty' }]);
  const secret = newSecret(TOKEN_PREFIX);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenantId = await checkRoleGrant(trx, ctx, input.role, input.tenantId);
    const now = Date.now();
    const row: TokenRow = {
      id: newId(),
      name,
      token_hash: hashSecret(secret),
      prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
      role: input.role,
      tenant_id: tenantId,
      created_by: ctx.actor.label,
      created_at: nowIso(),
      expires_at: input.expiresInDays ? new Date(now + input.expiresInDays * DAY_MS).toISOString() : null,
      last_used_at: null,
      revoked_at: null,
    };
    await insertToken(trx, row);
    const out = presentToken(row);
    await appendAudit(trx, ctx.actor, { action: 'token.created', tenantId, target: { type: 'token', id: row.id }, after: out });
    return { token: out, secret };
  });
}
