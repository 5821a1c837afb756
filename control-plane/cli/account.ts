import type { Command } from 'commander';
import type { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { formatBytes } from '../../quotas/shared/pool';
import { changeAccountPassword } from '../../tenancy/use-cases/change-account-password';
import { createAccount } from '../../quotas/use-cases/create-account';
import { createAlias } from '../../tenancy/use-cases/create-alias';
import { deleteAccount } from '../../tenancy/use-cases/delete-account';
import { deleteAlias } from '../../tenancy/use-cases/delete-alias';
import { listAccounts, resolveAccount } from '../../tenancy/use-cases/list-accounts';
import { listAliases, resolveAliasByAddress } from '../../tenancy/use-cases/list-aliases';
import { resolveDomainByName } from '../../tenancy/use-cases/list-domains';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { renameAccount } from '../../tenancy/use-cases/rename-account';
import { restoreAccount } from '../../tenancy/use-cases/restore-account';
import { resumeAccount, suspendAccount } from '../../tenancy/use-cases/suspend-account';
import { parseAddress } from '../../tenancy/shared/addresses';
import type { Account, Alias } from '../../tenancy/presenters';
import { intOption, output, parseBytes, readPassword, withCtx, type OutputOptions } from './runtime';

type A = z.infer<typeof Account>;
type L = z.infer<typeof Alias>;
const accountLine = (a: A) =>
  `${a.address}\t${a.id}\t${a.status}${a.deleteAfter ? ` until ${a.deleteAfter}` : ''}\t${formatBytes(a.allocationBytes)}${a.displayName ? `\t${a.displayName}` : ''}`;
const aliasLine = (l: L) => `${l.address}\t→ ${l.accountAddress ?? l.accountId}\t${l.id}`;

type AccountChange = (ctx: Ctx, tenantId: string, accountId: string) => Promise<A>;

/** `postwerk account …` and `postwerk alias …` */
export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description('mail accounts (mailboxes)');
  account
    .command('create <address>')
    .description('create an account; the password comes from --password-file, stdin or a prompt')
    .option('--tenant <tenant>', "tenant id or slug (default: the owner of the address' domain)")
    .option('--display-name <name>', 'display name')
    .option('--allocation <size>', "storage allocation (default: the tenant's default)", parseBytes)
    .option('--suspended', 'create it suspended')
    .option('--password-file <file>', "file whose first line is the password ('-' for stdin)")
    .option('--json', 'JSON output')
    .action(
      (
        address: string,
        o: { tenant?: string; displayName?: string; allocation?: number; suspended?: boolean; passwordFile?: string } & OutputOptions,
      ) =>
        withCtx(async (ctx) => {
          const tenantId = o.tenant
            ? (await resolveTenant(ctx, o.tenant)).id
            : (await resolveDomainByName(ctx, parseAddress(address).domain)).tenantId;
          const password = await readPassword(o);
          output(
            o,
            await createAccount(ctx, tenantId, {
              address,
              password,
              displayName: o.displayName,
              allocationBytes: o.allocation,
              status: o.suspended ? 'suspended' : 'active',
            }),
            accountLine,
          );
        }),
    );
  account
    .command('list <tenant>')
    .description("list a tenant's accounts")
    .option('--status <status>', 'active | suspended | deleting')
    .option('--domain <domain>', 'only this domain')
    .option('--search <prefix>', 'address prefix')
    .option('--limit <n>', 'page size', intOption('--limit'), 100)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action(
      (
        t: string,
        o: {
          status?: 'active' | 'suspended' | 'deleting';
          domain?: string;
          search?: string;
          limit: number;
          cursor?: string;
        } & OutputOptions,
      ) =>
        withCtx(async (ctx) =>
          output(o, await listAccounts(ctx, (await resolveTenant(ctx, t)).id, o), (p: { items: A[]; nextCursor: string | null }) => [
            ...p.items.map(accountLine),
            ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
          ]),
        ),
    );
  account
    .command('show <account>')
    .description('show an account (id or address)')
    .option('--json', 'JSON output')
    .action((a: string, o: OutputOptions) => withCtx(async (ctx) => output(o, await resolveAccount(ctx, a), accountLine)));

  const changes: Array<[string, string, AccountChange]> = [
    ['suspend', 'suspend an account: logins refused at once, open sessions closed', suspendAccount],
    ['resume', 'resume a suspended account', resumeAccount],
    ['delete', 'delete an account: closed at once, mailbox purged after the grace period', deleteAccount],
    ['restore', 'cancel a deletion within the grace period', restoreAccount],
  ];
  for (const [name, what, fn] of changes) {
    account
      .command(`${name} <account>`)
      .description(what)
      .option('--json', 'JSON output')
      .action((a: string, o: OutputOptions) =>
        withCtx(async (ctx) => {
          const acc = await resolveAccount(ctx, a);
          output(o, await fn(ctx, acc.tenantId, acc.id), accountLine);
        }),
      );
  }
  account
    .command('password <account>')
    .description('set a new password (from --password-file, stdin or a prompt; never on the command line)')
    .option('--password-file <file>', "file whose first line is the password ('-' for stdin)")
    .option('--json', 'JSON output')
    .action((a: string, o: { passwordFile?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const acc = await resolveAccount(ctx, a);
        const password = await readPassword(o, `New password for ${acc.address}: `);
        output(o, await changeAccountPassword(ctx, acc.tenantId, acc.id, { password }), accountLine);
      }),
    );
  account
    .command('rename <account> <new-address>')
    .description('give an account a new address; the mailbox is kept')
    .option('--json', 'JSON output')
    .action((a: string, address: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const acc = await resolveAccount(ctx, a);
        output(o, await renameAccount(ctx, acc.tenantId, acc.id, { address }), accountLine);
      }),
    );

  const alias = program.command('alias').description('aliases: more addresses delivering into an account');
  alias
    .command('add <alias> <account>')
    .description('add an alias address for an account (id or address)')
    .option('--json', 'JSON output')
    .action((address: string, a: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const acc = await resolveAccount(ctx, a);
        output(o, await createAlias(ctx, acc.tenantId, { address, accountId: acc.id }), aliasLine);
      }),
    );
  alias
    .command('remove <alias>')
    .description('remove an alias (by its address)')
    .option('--json', 'JSON output')
    .action((address: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const row = await resolveAliasByAddress(ctx, address);
        await deleteAlias(ctx, row.tenantId, row.id);
        output(o, { removed: row }, () => `removed ${row.address}`);
      }),
    );
  alias
    .command('list <tenant>')
    .description("list a tenant's aliases")
    .option('--account <account>', 'only the aliases of this account')
    .option('--limit <n>', 'page size', intOption('--limit'), 100)
    .option('--cursor <cursor>', 'next page')
    .option('--json', 'JSON output')
    .action((t: string, o: { account?: string; limit: number; cursor?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = (await resolveTenant(ctx, t)).id;
        const accountId = o.account ? (await resolveAccount(ctx, o.account)).id : undefined;
        output(o, await listAliases(ctx, tenantId, { accountId, limit: o.limit, cursor: o.cursor }), (p: { items: L[] }) =>
          p.items.map(aliasLine),
        );
      }),
    );
}
