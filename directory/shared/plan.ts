import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db';
import { isAppError } from '../../platform/errors';
import { MAX_DISPLAY_NAME } from '../../tenancy/limits';
import { accountsByIds } from '../../tenancy/repositories/accounts';
import { findAddresses, type AddressClaim } from '../../tenancy/repositories/addresses';
import { allocationTotals } from '../../tenancy/repositories/allocations';
import { aliasesOfAccounts } from '../../tenancy/repositories/aliases';
import { findDomainByName } from '../../tenancy/repositories/domains';
import type { AccountRow, DomainRow, TenantRow } from '../../tenancy/repositories/rows';
import { parseAddress, type ParsedAddress } from '../../tenancy/shared/addresses';
import { LDAP_PAGE_SIZE } from '../limits';
import { groupMembers, normDn, searchUsers, type DirectorySession, type DirectoryUser } from '../ldap/client';
import { entriesAfter, entriesByAccountIds, entriesByStableIds, type EntryRow } from '../repositories/entries';
import type { DirectorySettings } from './settings';

/**
 * The sync plan: what the directory says, against what the tenant has. One pass over the directory's
 * pages (memory holds a page, plus the set of stable ids and addresses seen, a few dozen bytes per
 * entry), then a pass over the links of entries the directory no longer names. The same function
 * drives the preview (items collected, shown in part) and the apply (items applied page by page in
 * the apply's transaction); both compute the same digest, so an apply whose digest differs from the
 * preview's is refused, rolled back.
 */
export type ConflictReason =
  | 'address_in_other_tenant'
  | 'address_in_use'
  | 'domain_not_owned'
  | 'domain_unverified'
  | 'duplicate_address'
  | 'invalid_address'
  | 'pool_too_small';

export type PlanItem =
  | { kind: 'create'; stableId: string; dn: string; address: string; displayName: string; aliases: string[]; allocationBytes: number }
  | {
      kind: 'update';
      stableId: string;
      dn: string;
      accountId: string;
      address: string;
      /** the account existed before the directory (same address) and is linked to the entry now */
      link: boolean;
      changes: {
        address?: { from: string; to: string };
        displayName?: { from: string; to: string };
        aliases?: { add: string[]; remove: string[] };
      };
      /** every alias the account has after the update */
      aliases: string[];
    }
  | { kind: 'suspend'; stableId: string; accountId: string; address: string; reason: 'disabled' | 'gone' }
  | { kind: 'reenable'; stableId: string; accountId: string; address: string }
  | { kind: 'skipped'; dn: string; reason: string }
  | { kind: 'conflict'; dn: string | null; address: string | null; reason: ConflictReason; message: string };

export interface PlanCounts {
  entries: number;
  create: number;
  update: number;
  suspend: number;
  reenable: number;
  skipped: number;
  conflicts: number;
}

export interface PlanSummary {
  digest: string;
  counts: PlanCounts;
  /** bytes the new accounts take out of the pool, and what the pool had free when the plan was made */
  newAllocationBytes: number;
  poolFreeBytes: number;
}

const MOD = 1n << 256n;

/**
 * A digest of the plan that does not depend on the order the directory returns entries in: the sum,
 * modulo 2^256, of each item's SHA-256, with the counts. Two plans with the same items have the same
 * digest; any item added, dropped or changed changes it.
 */
class PlanDigest {
  private sum = 0n;
  add(item: PlanItem): void {
    this.sum = (this.sum + BigInt(`0x${createHash('sha256').update(JSON.stringify(item)).digest('hex')}`)) % MOD;
  }
  finish(counts: PlanCounts): string {
    return createHash('sha256').update(this.sum.toString(16)).update(JSON.stringify(counts)).digest('hex');
  }
}

const countKey = {
  create: 'create',
  update: 'update',
  suspend: 'suspend',
  reenable: 'reenable',
  skipped: 'skipped',
  conflict: 'conflicts',
} as const;

export async function planSync(
  db: Db,
  tenant: TenantRow,
  s: DirectorySettings,
  session: DirectorySession,
  sink: (items: PlanItem[]) => Promise<void>,
): Promise<PlanSummary> {
  const digest = new PlanDigest();
  const counts: PlanCounts = { entries: 0, create: 0, update: 0, suspend: 0, reenable: 0, skipped: 0, conflicts: 0 };
  const totals = await allocationTotals(db, tenant.id);
  const poolFreeBytes = Number(tenant.pool_bytes) - totals.allocatedBytes;
  const allocation = s.defaultAllocationBytes ?? Number(tenant.default_allocation_bytes);
  let newAllocationBytes = 0;

  const emit = async (items: PlanItem[]) => {
    for (const item of items) {
      digest.add(item);
      counts[countKey[item.kind]]++;
      if (item.kind === 'create') newAllocationBytes += item.allocationBytes;
    }
    if (items.length) await sink(items);
  };

  const domains = new Map<string, DomainRow | null>();
  const domainOf = async (name: string) => {
    if (!domains.has(name)) domains.set(name, (await findDomainByName(db, name)) ?? null);
    return domains.get(name)!;
  };
  /** An address of the entry checked against the tenant's domains; a conflict's reason and message, or null. */
  const checkDomain = async (p: ParsedAddress): Promise<{ reason: ConflictReason; message: string } | null> => {
    const d = await domainOf(p.domain);
    if (!d || d.tenant_id !== tenant.id)
      return { reason: 'domain_not_owned', message: `domain ${p.domain} of ${p.address} is not a domain of the tenant` };
    if (d.verification_status !== 'verified')
      return {
        reason: 'domain_unverified',
        message: `domain ${p.domain} of ${p.address} is pending ownership verification (DNS TXT record)`,
      };
    return null;
  };

  const seenIds = new Set<string>();
  const seenAddresses = new Map<string, string>();
  const members = s.groupDn && s.groupMode === 'expand' ? await groupMembers(session, s) : null;

  for await (const raw of searchUsers(session, s)) {
    const page: Array<DirectoryUser & { stableId: string; mail: string }> = [];
    const items: PlanItem[] = [];
    for (const u of raw) {
      if (members && !members.has(normDn(u.dn))) continue; // not a member: as if absent
      counts.entries++;
      if (!u.stableId) items.push({ kind: 'skipped', dn: u.dn, reason: `no ${s.idAttribute} (stable id)` });
      else if (!u.mail) items.push({ kind: 'skipped', dn: u.dn, reason: `no ${s.mailAttribute} attribute` });
      else if (seenIds.has(u.stableId)) items.push({ kind: 'skipped', dn: u.dn, reason: `${s.idAttribute} seen twice` });
      else {
        seenIds.add(u.stableId);
        page.push(u as DirectoryUser & { stableId: string; mail: string });
      }
    }
    const links = new Map(
      (
        await entriesByStableIds(
          db,
          tenant.id,
          page.map((u) => u.stableId),
        )
      ).map((l) => [l.stable_id, l]),
    );
    const claims = new Map(
      (await findAddresses(db, [...new Set(page.flatMap((u) => [u.mail, ...u.aliases]))])).map(
        (c) => [c.address, c] as [string, AddressClaim],
      ),
    );
    // accounts linked to these entries, and accounts of the tenant holding an unlinked entry's address (adoption)
    const adoptIds = page
      .filter((u) => !links.has(u.stableId))
      .map((u) => claims.get(u.mail))
      .filter((c): c is AddressClaim => !!c && c.tenant_id === tenant.id && c.kind === 'account')
      .map((c) => c.owner_id);
    const linkedElsewhere = new Set((await entriesByAccountIds(db, adoptIds)).map((l) => l.account_id));
    const accounts = new Map(
      (await accountsByIds(db, tenant.id, [...[...links.values()].map((l) => l.account_id), ...adoptIds])).map(
        (a) => [a.id, a] as [string, AccountRow],
      ),
    );
    const aliasRows = await aliasesOfAccounts(db, [...accounts.keys()]);
    const aliasesByAccount = new Map<string, Map<string, string>>();
    for (const a of aliasRows) {
      if (!aliasesByAccount.has(a.account_id)) aliasesByAccount.set(a.account_id, new Map());
      aliasesByAccount.get(a.account_id)!.set(a.address, a.id);
    }

    for (const u of page) {
      const conflicts: PlanItem[] = [];
      const conflict = (address: string | null, reason: ConflictReason, message: string) =>
        conflicts.push({ kind: 'conflict', dn: u.dn, address, reason, message });
      const parsed: ParsedAddress[] = [];
      for (const a of [u.mail, ...u.aliases]) {
        try {
          parsed.push(parseAddress(a));
        } catch (e) {
          if (!isAppError(e)) throw e;
          conflict(a, 'invalid_address', e.message);
        }
      }
      for (const p of parsed) {
        const bad = await checkDomain(p);
        if (bad) conflict(p.address, bad.reason, bad.message);
        const other = seenAddresses.get(p.address);
        if (other && other !== u.stableId)
          conflict(p.address, 'duplicate_address', `${p.address} is the address of another directory entry too`);
        else seenAddresses.set(p.address, u.stableId);
      }
      const link: EntryRow | undefined = links.get(u.stableId);
      let account = link ? accounts.get(link.account_id) : undefined;
      let adopt = false;
      const mainClaim = claims.get(u.mail);
      if (
        !account &&
        mainClaim &&
        mainClaim.tenant_id === tenant.id &&
        mainClaim.kind === 'account' &&
        !linkedElsewhere.has(mainClaim.owner_id)
      ) {
        account = accounts.get(mainClaim.owner_id);
        adopt = !!account;
      }
      const ownAliases = account ? (aliasesByAccount.get(account.id) ?? new Map<string, string>()) : new Map<string, string>();
      /** whether `address` may become this entry's (free, or already this account's) */
      const free = (address: string, asAlias: boolean) => {
        const c = claims.get(address);
        if (!c) return true;
        if (account && c.tenant_id === tenant.id) {
          // its own address (kept, or becoming an alias as the account is renamed away from it)
          if (c.owner_id === account.id) return true;
          // its own alias (kept, or becoming its address: the apply removes the alias before the rename)
          if (ownAliases.has(address) && (asAlias || !u.aliases.includes(address))) return true;
        }
        if (c.tenant_id !== tenant.id) conflict(address, 'address_in_other_tenant', `${address} belongs to another tenant`);
        else
          conflict(
            address,
            'address_in_use',
            `${address} is taken in the tenant by ${c.kind === 'account' ? 'an account' : 'an alias'} the directory does not manage`,
          );
        return false;
      };
      if (parsed.length === u.aliases.length + 1) {
        free(u.mail, false);
        for (const a of u.aliases) free(a, true);
      }
      if (conflicts.length) {
        items.push(...conflicts);
        continue;
      }
      const displayName = u.displayName.slice(0, MAX_DISPLAY_NAME).replace(/[\p{Cc}]/gu, ' ');
      if (!account) {
        if (!u.enabled) items.push({ kind: 'skipped', dn: u.dn, reason: 'disabled in the directory (no account made)' });
        else
          items.push({
            kind: 'create',
            stableId: u.stableId,
            dn: u.dn,
            address: u.mail,
            displayName,
            aliases: u.aliases,
            allocationBytes: allocation,
          });
        continue;
      }
      if (account.status === 'deleting') {
        items.push({ kind: 'skipped', dn: u.dn, reason: `account ${account.address} is being deleted` });
        continue;
      }
      const changes: Extract<PlanItem, { kind: 'update' }>['changes'] = {};
      if (u.mail !== account.address) changes.address = { from: account.address, to: u.mail };
      if (displayName !== account.display_name) changes.displayName = { from: account.display_name, to: displayName };
      const add = u.aliases.filter((a) => !ownAliases.has(a));
      const remove = [...ownAliases.keys()].filter((a) => !u.aliases.includes(a)).sort();
      if (add.length || remove.length) changes.aliases = { add, remove };
      if (adopt || Object.keys(changes).length)
        items.push({
          kind: 'update',
          stableId: u.stableId,
          dn: u.dn,
          accountId: account.id,
          address: account.address,
          link: adopt,
          changes,
          aliases: u.aliases,
        });
      if (u.enabled && account.status === 'suspended')
        items.push({ kind: 'reenable', stableId: u.stableId, accountId: account.id, address: u.mail });
      if (!u.enabled && account.status === 'active')
        items.push({ kind: 'suspend', stableId: u.stableId, accountId: account.id, address: u.mail, reason: 'disabled' });
    }
    await emit(items);
  }

  // entries the directory no longer names (deleted, out of the filter or the group): suspended, never deleted
  let after = '';
  for (;;) {
    const links = await entriesAfter(db, tenant.id, after, LDAP_PAGE_SIZE);
    if (!links.length) break;
    after = links[links.length - 1]!.stable_id;
    const gone = links.filter((l) => !seenIds.has(l.stable_id));
    const accounts = new Map(
      (
        await accountsByIds(
          db,
          tenant.id,
          gone.map((l) => l.account_id),
        )
      ).map((a) => [a.id, a]),
    );
    const items: PlanItem[] = [];
    for (const l of gone) {
      const a = accounts.get(l.account_id);
      if (a && a.status === 'active')
        items.push({ kind: 'suspend', stableId: l.stable_id, accountId: a.id, address: a.address, reason: 'gone' });
    }
    await emit(items);
  }

  if (newAllocationBytes > poolFreeBytes)
    await emit([
      {
        kind: 'conflict',
        dn: null,
        address: null,
        reason: 'pool_too_small',
        message: `the new accounts need ${newAllocationBytes} bytes of the pool, which has ${Math.max(poolFreeBytes, 0)} free`,
      },
    ]);
  return { digest: digest.finish(counts), counts, newAllocationBytes, poolFreeBytes };
}
