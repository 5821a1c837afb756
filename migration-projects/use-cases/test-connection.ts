import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { assertTenantAccess } from '../../platform/actor';
import { AppError } from '../../platform/errors';
import { requirePermission } from '../../platform/permissions';
import { closeQuietly, endpointSchema, isMigratorError, openImapFlow } from '../../migrator';
import { sourceAuthSchema, sourceServerSchema } from '../schemas';
import { assertPublicSource } from './common';

/**
 * "Test connection" before a project is created: connects to the source server as one of the
 * accounts to migrate, with the credentials the project would use, and lists its folders. Nothing is
 * stored. A failure is an answer (ok: false and the server's words), not an error: it is what the
 * engineer asked to find out.
 */
export const testSourceConnectionInput = z.strictObject({
  source: sourceServerSchema,
  auth: sourceAuthSchema,
  /** The source mailbox to log in to (the first row of the CSV, say). */
  sourceUser: z.string().trim().min(1).max(320),
  /** With auth method `password`: that account's own password. */
  sourcePassword: z.string().min(1).max(1000).optional(),
});
export type TestSourceConnectionInput = z.input<typeof testSourceConnectionInput>;

export interface ConnectionTest {
  ok: boolean;
  ms: number;
  /** e.g. `login failed for …`, `cannot connect to …` */
  error: string | null;
  folders: number | null;
  capabilities: string[];
}

export async function testSourceConnection(ctx: Ctx, tenantId: string, raw: TestSourceConnectionInput): Promise<ConnectionTest> {
  requirePermission(ctx.actor, 'migration.write');
  assertTenantAccess(ctx.actor, tenantId, 'tenant', tenantId);
  const input = testSourceConnectionInput.parse(raw);
  if (input.auth.method === 'xoauth2' && ctx.actor.role !== 'operator')
    throw new AppError('forbidden', 'only operators may set an XOAUTH2 token command: it runs on the migration workers');
  if (input.auth.method === 'password' && !input.sourcePassword)
    throw new AppError('validation_failed', 'sourcePassword: the account’s own password is needed to test a password login', [
      { path: 'sourcePassword', message: 'is required with auth method password' },
    ]);
  await assertPublicSource(ctx, input.source);
  const endpoint = endpointSchema.parse({
    ...input.source,
    user: input.sourceUser,
    ...(input.auth.method === 'password' ? { password: input.sourcePassword } : {}),
    ...(input.auth.method === 'master'
      ? { authUser: input.auth.user, password: input.auth.password, masterStyle: input.auth.style, masterSeparator: input.auth.separator }
      : {}),
    ...(input.auth.method === 'xoauth2' ? { tokenCommand: input.auth.tokenCommand } : {}),
  });
  const started = Date.now();
  let client: Awaited<ReturnType<typeof openImapFlow>> | undefined;
  try {
    client = await openImapFlow(endpoint, ctx.logger);
    const folders = await client.list();
    return {
      ok: true,
      ms: Date.now() - started,
      error: null,
      folders: folders.length,
      capabilities: [...client.capabilities.keys()].sort(),
    };
  } catch (e) {
    if (!isMigratorError(e)) throw e;
    return { ok: false, ms: Date.now() - started, error: e.message, folders: null, capabilities: [] };
  } finally {
    await closeQuietly(client);
  }
}
