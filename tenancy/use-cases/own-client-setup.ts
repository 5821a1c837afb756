import type { Ctx } from '../../platform/context';
import { AppError, notFound } from '../../platform/errors';
import { clientEndpoints } from '../client-setup/endpoints';
import { findAccountById } from '../repositories/accounts';
import { authorize } from '../shared/support';

/**
 * The signed-in mail user's own server settings, for setting up a client by hand (one that reads no
 * autoconfig, Autodiscover or profile): the public IMAP and submission endpoints and the login.
 */
export async function ownClientSetup(ctx: Ctx, accountId: string) {
  authorize(ctx, 'client-setup.self');
  if (ctx.actor.kind !== 'mail_user' || ctx.actor.id !== accountId)
    throw new AppError('forbidden', "only an account's own user may read its settings");
  const account = await findAccountById(ctx.db, accountId);
  if (!account || account.status !== 'active') throw notFound('account', accountId);
  return { address: account.address, login: account.address, endpoints: clientEndpoints(ctx.config.clientSetup) };
}
