import type { Actor } from '../../platform/actor';
import type { Trx } from '../../platform/db';
import { nowIso } from '../../platform/db';
import { findAccountById } from '../../tenancy/repositories/accounts';
import { findDomainByName } from '../../tenancy/repositories/domains';
import type { DomainRow, TenantRow } from '../../tenancy/repositories/rows';
import { changeAccountIn, setAccountAliasesIn, setAccountStatusIn } from '../../tenancy/shared/account-changes';
import { parseAddress } from '../../tenancy/shared/addresses';
import { provisionAccount } from '../../tenancy/shared/provision-account';
import { DIRECTORY_PASSWORD_HASH } from '../limits';
import { insertEntry, updateEntry } from '../repositories/entries';
import type { PlanItem } from './plan';

/**
 * Applies plan items inside the apply's transaction, through tenancy's account functions (each with
 * its audit entry). The pool was checked once for all new accounts, under its lock, before the first
 * item (apply-sync.ts), so each creation passes an already-covered check; `kicks` collects the
 * addresses whose open sessions end after commit (suspended, renamed).
 */
export async function applyItems(trx: Trx, actor: Actor, tenant: TenantRow, items: PlanItem[], kicks: string[]): Promise<void> {
  const domains = new Map<string, DomainRow>();
  const domainOf = async (name: string) => {
    let d = domains.get(name);
    if (!d) {
      d = (await findDomainByName(trx, name))!;
      domains.set(name, d);
    }
    return d;
  };
  const aliasesOf = async (list: string[]) =>
    Promise.all(list.map(async (a) => ({ parsed: parseAddress(a), domain: await domainOf(parseAddress(a).domain) })));
  const now = nowIso();
  for (const item of items) {
    switch (item.kind) {
      case 'create': {
        const parsed = parseAddress(item.address);
        const account = await provisionAccount(
          trx,
          actor,
          tenant,
          await domainOf(parsed.domain),
          {
            parsed,
            passwordHash: DIRECTORY_PASSWORD_HASH,
            displayName: item.displayName,
            allocationBytes: item.allocationBytes,
            status: 'active',
          },
          async () => undefined,
        );
        await insertEntry(trx, { tenant_id: tenant.id, stable_id: item.stableId, account_id: account.id, dn: item.dn, synced_at: now });
        if (item.aliases.length) await setAccountAliasesIn(trx, actor, account, await aliasesOf(item.aliases));
        break;
      }
      case 'update': {
        let account = (await findAccountById(trx, item.accountId))!;
        if (item.link)
          await insertEntry(trx, { tenant_id: tenant.id, stable_id: item.stableId, account_id: account.id, dn: item.dn, synced_at: now });
        else await updateEntry(trx, tenant.id, item.stableId, { dn: item.dn, synced_at: now });
        // aliases that go first: one of them may be the address the account is renamed to
        if (item.changes.aliases?.remove.length)
          await setAccountAliasesIn(
            trx,
            actor,
            account,
            await aliasesOf(item.aliases.filter((a) => !item.changes.aliases!.add.includes(a))),
          );
        if (item.changes.address || item.changes.displayName) {
          const parsed = item.changes.address ? parseAddress(item.changes.address.to) : undefined;
          account = await changeAccountIn(trx, actor, account, {
            ...(parsed ? { parsed, domain: await domainOf(parsed.domain) } : {}),
            ...(item.changes.displayName ? { displayName: item.changes.displayName.to } : {}),
          });
          if (item.changes.address) kicks.push(item.changes.address.from);
        }
        if (item.changes.aliases) await setAccountAliasesIn(trx, actor, account, await aliasesOf(item.aliases));
        break;
      }
      case 'suspend':
      case 'reenable': {
        const account = (await findAccountById(trx, item.accountId))!;
        await setAccountStatusIn(trx, actor, account, item.kind === 'suspend' ? 'suspended' : 'active');
        if (item.kind === 'suspend') kicks.push(account.address);
        break;
      }
      default:
        break; // skipped entries and conflicts change nothing (an apply with conflicts is rolled back)
    }
  }
}
