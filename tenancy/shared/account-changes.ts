import type { Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Trx } from '../../platform/db';
import { nowIso } from '../../platform/db';
import { presentAccount, presentAlias } from '../presenters';
import { findAccountById, updateAccount } from '../repositories/accounts';
import { claimAddress, moveAddress, releaseAddress } from '../repositories/addresses';
import { aliasesOfAccount, deleteAlias, insertAlias } from '../repositories/aliases';
import type { AccountRow, DomainRow } from '../repositories/rows';
import type { ParsedAddress } from './addresses';
import { assertDomainVerified } from './domain-ownership';
import { newId } from './support';

/**
 * Account changes inside a caller's transaction, each with its audit entry, for use cases of modules
 * above tenancy that change many accounts all or nothing (directory/'s sync apply). The caller has
 * checked the permission and the tenant, and kicks sessions after commit (`kickUsers`). The one-account
 * use cases (suspend-account.ts, rename-account.ts, …) keep their own transactions.
 */
export async function setAccountStatusIn(trx: Trx, actor: Actor, before: AccountRow, status: 'active' | 'suspended'): Promise<AccountRow> {
  if (before.status === status) return before;
  await updateAccount(trx, before.id, { status, updated_at: nowIso() });
  const after = (await findAccountById(trx, before.id))!;
  await appendAudit(trx, actor, {
    action: status === 'suspended' ? 'account.suspended' : 'account.resumed',
    tenantId: before.tenant_id,
    target: { type: 'account', id: before.id },
    before: presentAccount(before),
    after: presentAccount(after),
  });
  return after;
}

/** A new address and display name (either may be unchanged); the mailbox stays (its folder follows the id). */
export async function changeAccountIn(
  trx: Trx,
  actor: Actor,
  before: AccountRow,
  change: { parsed?: ParsedAddress; domain?: DomainRow; displayName?: string },
): Promise<AccountRow> {
  const patch: Partial<AccountRow> = {};
  if (change.parsed && change.domain && change.parsed.address !== before.address) {
    assertDomainVerified(change.domain, 'an account renamed into it');
    await moveAddress(trx, before.address, {
      address: change.parsed.address,
      tenant_id: before.tenant_id,
      kind: 'account',
      owner_id: before.id,
    });
    Object.assign(patch, { address: change.parsed.address, local_part: change.parsed.localPart, domain_id: change.domain.id });
  }
  if (change.displayName !== undefined && change.displayName !== before.display_name) patch.display_name = change.displayName;
  if (Object.keys(patch).length === 0) return before;
  await updateAccount(trx, before.id, { ...patch, updated_at: nowIso() });
  const after = (await findAccountById(trx, before.id))!;
  await appendAudit(trx, actor, {
    action: patch.address ? 'account.renamed' : 'account.updated',
    tenantId: before.tenant_id,
    target: { type: 'account', id: before.id },
    before: presentAccount(before),
    after: presentAccount(after),
  });
  return after;
}

/** Makes the account's aliases exactly `wanted` (addresses in domains of its tenant, checked by the caller). */
export async function setAccountAliasesIn(
  trx: Trx,
  actor: Actor,
  account: AccountRow,
  wanted: Array<{ parsed: ParsedAddress; domain: DomainRow }>,
): Promise<{ added: string[]; removed: string[] }> {
  const current = await aliasesOfAccount(trx, account.id);
  const want = new Map(wanted.map((w) => [w.parsed.address, w]));
  const have = new Set(current.map((a) => a.address));
  const removed: string[] = [];
  const added: string[] = [];
  for (const row of current) {
    if (want.has(row.address)) continue;
    await deleteAlias(trx, row.id);
    await releaseAddress(trx, row.address);
    await appendAudit(trx, actor, {
      action: 'alias.deleted',
      tenantId: account.tenant_id,
      target: { type: 'alias', id: row.id },
      before: presentAlias({ ...row, account_address: account.address }),
    });
    removed.push(row.address);
  }
  for (const [address, w] of want) {
    if (have.has(address)) continue;
    const row = {
      id: newId(),
      tenant_id: account.tenant_id,
      domain_id: w.domain.id,
      address,
      account_id: account.id,
      created_at: nowIso(),
    };
    await claimAddress(trx, { address, tenant_id: account.tenant_id, kind: 'alias', owner_id: row.id });
    await insertAlias(trx, row);
    await appendAudit(trx, actor, {
      action: 'alias.created',
      tenantId: account.tenant_id,
      target: { type: 'alias', id: row.id },
      after: presentAlias({ ...row, account_address: account.address }),
    });
    added.push(address);
  }
  return { added, removed };
}
