import { z } from 'zod';
import { ROLES } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Ctx } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import { forbidden, invalid } from '../../platform/errors';
import { TOKEN_DEFAULT_EXPIRY_DAYS, TOKEN_MAX_EXPIRY_DAYS } from '../limits';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../shared/tokens';
import { presentToken } from '../presenters';
import { findToken, insertToken } from '../repositories/staff';
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
  expiresInDays: z
    .union([z.number().int().min(1).max(TOKEN_MAX_EXPIRY_DAYS), z.literal('never')])
    .optional()
    .describe(`days until the token stops working (default ${TOKEN_DEFAULT_EXPIRY_DAYS}), or "never" (operators only)`),
});
export type CreateTokenInput = z.infer<typeof createApiTokenInput>;

/**
 * An API token for automation, scoped to a role and (for tenant_admin) a tenant. The secret is returned
 * here once and never again: only its sha256 is stored. (Hence the create route takes no
 * Idempotency-Key: a replayed answer would have to keep the secret.)
 *
 * The token belongs to the staff user who creates it (a token made by a token belongs to that token's
 * owner): disabling that user revokes it. Tokens the CLI makes belong to no staff user. A token made by
 * a token expires no later than its parent.
 */
export async function createApiToken(ctx: Ctx, input: CreateTokenInput) {
  authorize(ctx, 'token.write');
  const name = input.name.trim();
  if (!name) throw invalid('name must not be empty', [{ path: 'name', message: 'empty' }]);
  const expiresInDays = input.expiresInDays ?? TOKEN_DEFAULT_EXPIRY_DAYS;
  if (expiresInDays === 'never' && ctx.actor.role !== 'operator')
    throw forbidden('only an operator may create a token that never expires; choose expiresInDays (1 to 3650)');
  const secret = newSecret(TOKEN_PREFIX);
  return inTransaction(ctx.db, async ({ trx }) => {
    const tenantId = await checkRoleGrant(trx, ctx, input.role, input.tenantId);
    const parent = ctx.actor.kind === 'token' ? await findToken(trx, ctx.actor.id) : undefined;
    const owner = ctx.actor.kind === 'staff' ? ctx.actor.id : (parent?.created_by ?? null);
    const now = Date.now();
    let expiresAt = expiresInDays === 'never' ? null : now + expiresInDays * DAY_MS;
    // a token made by a token never outlives it: the default is cut to the parent's end, a longer ask refused
    const parentEnd = parent?.expires_at ? Date.parse(parent.expires_at) : null;
    if (parentEnd !== null && (expiresAt === null || expiresAt > parentEnd)) {
      if (input.expiresInDays !== undefined)
        throw invalid(`a token cannot outlive the token that creates it, which expires at ${parent!.expires_at}`, [
          { path: 'expiresInDays', message: `at most until ${parent!.expires_at}` },
        ]);
      expiresAt = parentEnd;
    }
    const row: TokenRow = {
      id: newId(),
      name,
      token_hash: hashSecret(secret),
      prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
      role: input.role,
      tenant_id: tenantId,
      created_by: owner,
      created_by_label: ctx.actor.label,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await insertToken(trx, row);
    const out = presentToken(row);
    await appendAudit(trx, ctx.actor, { action: 'token.created', tenantId, target: { type: 'token', id: row.id }, after: out });
    return { token: out, secret };
  });
}
