import { escapeFilter } from 'ldapts';
import type { Services } from '../../platform/context';
import { isAppError } from '../../platform/errors';
import type { AccountRow } from '../../tenancy/repositories/rows';
import { groupMembers, normDn, openSession, searchUsers, type DirectoryUser } from '../ldap/client';
import { findConnection } from '../repositories/connections';
import { entryOfAccount } from '../repositories/entries';
import { settingsOf } from '../shared/settings';

/**
 * The portal's password check for an account the directory provisioned: the user's entry is looked
 * up now by its stable id (escaped), it must still match the filter and the group and be enabled, and
 * then the directory itself checks the password by a bind as that entry. Postwerk keeps no copy of it,
 * and a user disabled in the directory is refused at the very next attempt, before any sync.
 *
 * Answers `undefined` for an account the directory does not manage (the caller checks its own hash),
 * `true`/`false` otherwise. A directory that cannot be reached answers false (logged): no sign-in.
 */
export async function verifyDirectoryPassword(
  services: Pick<Services, 'db' | 'config' | 'logger'>,
  account: Pick<AccountRow, 'id' | 'tenant_id'>,
  password: string,
): Promise<boolean | undefined> {
  const link = await entryOfAccount(services.db, account.id);
  if (!link) return undefined;
  const row = await findConnection(services.db, account.tenant_id);
  if (!row || !row.sign_in || !password) return false;
  const s = settingsOf(services.config, row);
  try {
    const admin = await openSession(s, s.bindDn, s.bindPassword);
    let user: DirectoryUser | undefined;
    try {
      const value = s.idAttribute.toLowerCase() === 'objectguid' ? guidBytes(link.stable_id) : link.stable_id;
      for await (const page of searchUsers(admin, s, { filter: `(${s.idAttribute}=${escapeFilter`${value}`})`, sizeLimit: 2 }))
        user ??= page[0];
      if (user && s.groupDn && s.groupMode === 'expand' && !(await groupMembers(admin, s)).has(normDn(user.dn))) user = undefined;
    } finally {
      await admin.close();
    }
    if (!user || !user.enabled) return false;
    const own = await openSession(s, user.dn, password);
    await own.close();
    return true;
  } catch (e) {
    if (!isAppError(e)) throw e;
    const status = (e.details as { directoryStatus?: string } | undefined)?.directoryStatus;
    if (status !== 'bind_failed')
      services.logger.warn({ tenantId: account.tenant_id, err: e.message }, 'directory sign-in: the directory did not answer');
    return false;
  }
}

/** objectGUID's text form back to its 16 bytes (the first three groups little-endian). */
function guidBytes(text: string): Buffer {
  const [a, b, c, d, e] = text.split('-') as [string, string, string, string, string];
  const le = (h: string) => Buffer.from(h, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}
