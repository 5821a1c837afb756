import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { AppError, notFound } from '../../platform/errors';
import { clientEndpoints } from '../client-setup/endpoints';
import { mobileconfigPlist } from '../client-setup/mobileconfig';
import { findAccountById } from '../repositories/accounts';
import { findDomainById } from '../repositories/domains';
import { password } from '../shared/schemas';
import { authorize } from '../shared/support';

/**
 * The signed-in mail user's Apple configuration profile (`.mobileconfig`). Without `password` the
 * profile holds none and the device asks for it when it is installed; with one, the password the user
 * typed for this download is put in the profile as given (not checked: the device tells when it is
 * wrong) and is neither stored nor logged.
 */
export const ownAppleProfileInput = z.strictObject({
  password: password.optional(),
});
export type OwnAppleProfileInput = z.infer<typeof ownAppleProfileInput>;

export async function ownAppleProfile(ctx: Ctx, accountId: string, input: OwnAppleProfileInput) {
  authorize(ctx, 'client-setup.self');
  if (ctx.actor.kind !== 'mail_user' || ctx.actor.id !== accountId)
    throw new AppError('forbidden', "only an account's own user may download its profile");
  const account = await findAccountById(ctx.db, accountId);
  if (!account || account.status !== 'active') throw notFound('account', accountId);
  const domain = await findDomainById(ctx.db, account.domain_id);
  if (!domain) throw notFound('domain', account.domain_id);
  const body = mobileconfigPlist(
    {
      accountId: account.id,
      address: account.address,
      displayName: account.display_name || null,
      domain: domain.name,
      password: input.password,
    },
    clientEndpoints(ctx.config.clientSetup),
  );
  return { filename: `${account.address}.mobileconfig`, body, withPassword: input.password !== undefined };
}
