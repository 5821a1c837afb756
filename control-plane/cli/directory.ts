import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { applySync, type SyncApplied } from '../../directory/use-cases/apply-sync';
import { getConnection } from '../../directory/use-cases/get-connection';
import { previewSync, type SyncPreview } from '../../directory/use-cases/preview-sync';
import { setConnection } from '../../directory/use-cases/set-connection';
import { testConnection, type TestConnectionResult } from '../../directory/use-cases/test-connection';
import type { ConnectionView } from '../../directory/shared/settings';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { output, readPassword, withCtx, type OutputOptions } from './runtime';

/** `postwerk directory set|test|preview|apply|status --tenant T`: the directory use cases, as the `cli` actor. */
type TenantOpt = { tenant: string } & OutputOptions;

const countsLine = (c: SyncPreview['counts']) =>
  `${c.entries} entries: ${c.create} to create, ${c.update} to update, ${c.suspend} to suspend, ${c.reenable} to re-enable, ${c.skipped} skipped, ${c.conflicts} conflicts`;

function previewLines(p: SyncPreview): string[] {
  return [
    countsLine(p.counts),
    `digest ${p.digest}`,
    ...p.create.map((i) => `create    ${i.address}${i.aliases.length ? ` (+ ${i.aliases.join(', ')})` : ''}`),
    ...p.update.map(
      (i) =>
        `update    ${i.address}: ${Object.keys(i.changes).join(', ') || 'link'}${i.changes.address ? ` → ${i.changes.address.to}` : ''}`,
    ),
    ...p.suspend.map(
      (i) => `suspend   ${i.address} (${i.reason === 'gone' ? 'no longer in the directory or group' : 'disabled in the directory'})`,
    ),
    ...p.reenable.map((i) => `re-enable ${i.address}`),
    ...p.skipped.map((i) => `skipped   ${i.dn}: ${i.reason}`),
    ...p.conflicts.map((i) => `CONFLICT  ${i.dn ?? '(all)'}: ${i.reason}: ${i.message}`),
    ...(p.truncated ? ['(lists shortened; counts and digest cover everything)'] : []),
  ];
}

export function registerDirectoryCommands(program: Command): void {
  const dir = program.command('directory').description("a tenant's LDAP/Active Directory: connection, test, sync preview and apply");
  dir
    .command('set')
    .description(
      'set the connection from a JSON file (the API body of PUT /tenants/:id/directory); bind password from --password-file or stdin',
    )
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .requiredOption('--config <file>', 'JSON: url, bindDn, baseDn, userFilter, groupDn, mailAttribute, …')
    .option('--password-file <file>', 'the bind password (else kept, or asked)')
    .option('--keep-password', 'keep the stored bind password')
    .option('--json', 'JSON output')
    .action((o: TenantOpt & { config: string; passwordFile?: string; keepPassword?: boolean }) =>
      withCtx(async (ctx) => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw invalid(`cannot read --config ${o.config}: ${(e as Error).message}`);
        }
        if (!o.keepPassword) body.bindPassword = await readPassword(o, 'Bind password: ');
        const tenant = await resolveTenant(ctx, o.tenant);
        output(
          o,
          await setConnection(ctx, tenant.id, body as never),
          (c: ConnectionView) => `directory of ${tenant.slug}: ${c.url} ${c.baseDn}`,
        );
      }),
    );
  dir
    .command('test')
    .description('bind, count the matching users and show three (nothing stored)')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--user <name>', 'also look up this user name (login attribute)')
    .option('--json', 'JSON output')
    .action((o: TenantOpt & { user?: string }) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, o.tenant);
        const r = await testConnection(ctx, tenant.id, o.user !== undefined ? { user: o.user } : {});
        output(o, r, (v: TestConnectionResult) => [
          `bind ok; ${v.count} matching users`,
          ...v.sample.map((u) => `  ${u.mail ?? '(no mail)'}\t${u.displayName}\t${u.dn}${u.enabled ? '' : ' (disabled)'}`),
          ...(v.user ? [`user "${v.user.query}": ${v.user.found.length ? v.user.found.map((u) => u.dn).join(', ') : 'not found'}`] : []),
        ]);
      }),
    );
  dir
    .command('preview')
    .description('what a sync would do now, with its conflicts and digest (nothing changed)')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--json', 'JSON output')
    .action((o: TenantOpt) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, o.tenant);
        output(o, await previewSync(ctx, tenant.id), previewLines);
      }),
    );
  dir
    .command('apply')
    .description('apply a sync all or nothing: the preview of --digest, or (without it) a preview made now, refused with conflicts')
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--digest <digest>', "the preview's digest")
    .option('--json', 'JSON output')
    .action((o: TenantOpt & { digest?: string }) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, o.tenant);
        const digest = o.digest ?? (await previewSync(ctx, tenant.id)).digest;
        output(o, await applySync(ctx, tenant.id, { digest }), (r: SyncApplied) => [`applied ${r.digest}`, countsLine(r.counts as never)]);
      }),
    );
  dir
    .command('status')
    .description("the connection and its last sync's result")
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--json', 'JSON output')
    .action((o: TenantOpt) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, o.tenant);
        output(o, await getConnection(ctx, tenant.id), (c: ConnectionView) => [
          `${c.url}${c.startTls ? ' (StartTLS)' : ''} base ${c.baseDn} filter ${c.userFilter}${c.groupDn ? ` group ${c.groupDn} (${c.groupMode})` : ''}`,
          `sign-in by bind: ${c.signIn ? 'on' : 'off'}; scheduled sync: ${c.syncEveryMinutes ? `every ${c.syncEveryMinutes} min` : 'off'}`,
          c.lastSync ? `last sync ${c.lastSync.at}: ${c.lastSync.status} ${JSON.stringify(c.lastSync.result)}` : 'never synced',
        ]);
      }),
    );
}
