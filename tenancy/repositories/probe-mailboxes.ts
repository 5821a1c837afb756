import type { Knex } from 'knex';

/**
 * SQL of the platform's probe mailboxes (one per tenant, migration 20261203190000_probes). They belong to
 * operability/, which creates and keeps them; the table's repository sits here, below filters/, because
 * the SMTP ingress must find a probe address at RCPT (the end-to-end delivery probe). A probe mailbox
 * is not an account: no listing, pool or backup here reads this table.
 */
export interface ProbeMailboxRow {
  id: string;
  tenant_id: string;
  address: string;
  password_hash: string;
  password_sealed: string;
  mail_path: string;
  quota_bytes: number;
  created_at: string;
}

/** The domain of every probe login name: `.invalid` (RFC 2606), so it is never anybody's address. */
export const PROBE_DOMAIN = 'probe.postwerk.invalid';

export async function findProbeMailboxByAddress(q: Knex, address: string): Promise<ProbeMailboxRow | undefined> {
  return q<ProbeMailboxRow>('probe_mailboxes').where({ address: address.toLowerCase() }).first();
}

export async function findProbeMailbox(q: Knex, tenantId: string): Promise<ProbeMailboxRow | undefined> {
  return q<ProbeMailboxRow>('probe_mailboxes').where({ tenant_id: tenantId }).first();
}

/** Inserts unless the tenant has one already (two workers at once): the caller reads back the winner. */
export async function insertProbeMailbox(q: Knex, row: ProbeMailboxRow): Promise<void> {
  await q('probe_mailboxes').insert(row).onConflict('tenant_id').ignore();
}

/** A new password (the platform key changed and the sealed one does not open any more). */
export async function updateProbePassword(q: Knex, id: string, passwordHash: string, passwordSealed: string): Promise<void> {
  await q('probe_mailboxes').where({ id }).update({ password_hash: passwordHash, password_sealed: passwordSealed });
}

/** Every probe mailbox's mail path (a mail store's listing must know what is not an account's). */
export async function allProbeMailboxes(q: Knex): Promise<ProbeMailboxRow[]> {
  return q<ProbeMailboxRow>('probe_mailboxes').select('*');
}
