import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { authorize } from '../../tenancy/shared/support';
import { findConnection } from '../repositories/connections';
import { presentConnection, settingsOf, type ConnectionView, type DirectorySettings } from '../shared/settings';

/** The tenant's directory connection with its last sync's status (`postwerk directory status`). */
export async function getConnection(ctx: Ctx, tenantId: string): Promise<ConnectionView> {
  authorize(ctx, 'directory.read', tenantId);
  const row = await findConnection(ctx.db, tenantId);
  if (!row) throw notFound('directory connection of tenant', tenantId);
  return presentConnection(row);
}

/** The connection with its bind password opened, for the use cases that talk to the directory. */
export async function loadSettings(ctx: Pick<Ctx, 'db' | 'config'>, tenantId: string): Promise<DirectorySettings> {
  const row = await findConnection(ctx.db, tenantId);
  if (!row) throw notFound('directory connection of tenant', tenantId);
  return settingsOf(ctx.config, row);
}
