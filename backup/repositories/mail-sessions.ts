import type { Knex } from 'knex';
import type { BackupMessageRow } from './rows';

/** Sessions of mail users (self-service) and the index reads they need. */
export async function insertMailSession(
  q: Knex,
  row: { id: string; token_hash: string; account_id: string; created_at: string; expires_at: string },
) {
  await q('mail_user_sessions').insert(row);
}

export async function findMailSession(q: Knex, tokenHash: string, now: string) {
  return q('mail_user_sessions')
    .join('accounts', 'accounts.id', 'mail_user_sessions.account_id')
    .where('mail_user_sessions.token_hash', tokenHash)
    .andWhere('mail_user_sessions.expires_at', '>', now)
    .andWhere('accounts.status', 'active')
    .first('accounts.id as account_id', 'accounts.tenant_id', 'accounts.address') as Promise<
    { account_id: string; tenant_id: string; address: string } | undefined
  >;
}

export async function deleteMailSession(q: Knex, tokenHash: string): Promise<void> {
  await q('mail_user_sessions').where({ token_hash: tokenHash }).delete();
}

/**
 * Messages of one account expunged since `since` whose body is in no open interval of the account any
 * more (a message moved to another folder is not deleted), newest first.
 */
export async function deletedMessages(q: Knex, accountId: string, since: string, limit: number): Promise<BackupMessageRow[]> {
  return q('backup_messages as m')
    .where('m.account_id', accountId)
    .whereIn('m.close_reason', ['expunged', 'folder'])
    .andWhere('m.gone_at', '>=', since)
    .whereNotExists(
      q('backup_messages as o')
        .select(q.raw('1'))
        .whereRaw('o.account_id = m.account_id')
        .andWhereRaw('o.hash = m.hash')
        .whereNull('o.gone_at'),
    )
    .orderBy('m.gone_at', 'desc')
    .limit(limit)
    .select('m.*');
}

export async function findAccountMessage(q: Knex, accountId: string, id: number): Promise<BackupMessageRow | undefined> {
  return q<BackupMessageRow>('backup_messages').where({ account_id: accountId, id }).first();
}
