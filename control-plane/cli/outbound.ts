import type { Command } from 'commander';
import { getDkimRecords, rotateDkim } from '../../filters/outbound/use-cases/dkim-keys';
import {
  deleteOutbound,
  getOutboundMessage,
  liftSuspension,
  listOutboundQueue,
  QUEUE_STATES,
  releaseOutbound,
  type OutboundMessage,
} from '../../filters/outbound/use-cases/outbound-queue';
import { getSendingLimits, setSendingLimits } from '../../filters/outbound/use-cases/sending-limits';
import { invalid } from '../../platform/errors';
import { resolveDomain } from '../../tenancy/use-cases/list-domains';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { output, withCtx, type OutputOptions } from './runtime';

/**
 * `postwerk mail queue|show|release|delete|limits|dkim|resume`: a tenant's outbound queue, sending
 * limits and DKIM keys, through the same use cases as the API, as the `cli` actor. (`postwerk mail
 * trace` shows outbound messages too: their steps are in the same trace.)
 */
const line = (m: OutboundMessage) =>
  `${m.queueId}\t${m.createdAt}\t${m.status}${m.holdReason ? `(${m.holdReason})` : ''}\t${m.account}\t${m.mailFrom}\t${m.lastError ?? ''}`;

const limitOf = (v: string | undefined, name: string): number | null | undefined => {
  if (v === undefined) return undefined;
  if (v === 'default') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalid(`${name} ${v}: a whole number of messages (at least 1), or default`);
  return n;
};

export function registerOutboundCommands(mail: Command): void {
  mail
    .command('queue <tenant>')
    .description("the tenant's outbound queue")
    .option('--state <state>', QUEUE_STATES.join(' | '))
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--json', 'JSON output')
    .action((t: string, o: Record<string, string> & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const page = await listOutboundQueue(ctx, {
          tenantId: tenant.id,
          state: o.state as never,
          limit: Number(o.limit),
          cursor: o.cursor,
        });
        output(o, page, (v: typeof page) => [
          ...(v.items.length ? v.items.map(line) : ['(queue empty)']),
          ...(v.nextCursor ? [`(more: --cursor ${v.nextCursor})`] : []),
        ]);
      }),
    );
  mail
    .command('show <tenant> <queueId>')
    .description('one outbound message, per recipient')
    .option('--json', 'JSON output')
    .action((t: string, id: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const m = await getOutboundMessage(ctx, { tenantId: tenant.id, queueId: id });
        output(o, m, (v: OutboundMessage) => [
          line(v),
          ...(v.recipients ?? []).map((r) => `  ${r.recipient}\t${r.route}\t${r.status}\tattempts ${r.attempts}\t${r.lastError ?? ''}`),
        ]);
      }),
    );
  mail
    .command('release <tenant> <queueId>')
    .description('send a held message (rate limit or spam)')
    .option('--json', 'JSON output')
    .action((t: string, id: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        output(o, await releaseOutbound(ctx, { tenantId: tenant.id, queueId: id }), (v: OutboundMessage) => `released ${v.queueId}`);
      }),
    );
  mail.command('delete <tenant> <queueId>').action((t: string, id: string) =>
    withCtx(async (ctx) => {
      const tenant = await resolveTenant(ctx, t);
      await deleteOutbound(ctx, { tenantId: tenant.id, queueId: id });
      process.stdout.write(`deleted ${id}\n`);
    }),
  );
  mail
    .command('limits <tenant>')
    .description('show, or change with the options, the sending limits')
    .option('--account <n>', 'messages per account per window (default: the platform default)')
    .option('--tenant-limit <n>', 'messages per tenant per window (default: the platform default)')
    .option('--auto-suspend <on|off>', "suspend an account's sending when one of its messages is held")
    .option('--json', 'JSON output')
    .action((t: string, o: Record<string, string> & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        if (o.autoSuspend !== undefined && !['on', 'off'].includes(o.autoSuspend)) throw invalid('--auto-suspend on|off');
        const change = o.account !== undefined || o.tenantLimit !== undefined || o.autoSuspend !== undefined;
        const r = change
          ? await setSendingLimits(ctx, {
              tenantId: tenant.id,
              accountLimit: limitOf(o.account, '--account'),
              tenantLimit: limitOf(o.tenantLimit, '--tenant-limit'),
              ...(o.autoSuspend !== undefined ? { autoSuspend: o.autoSuspend === 'on' } : {}),
            })
          : await getSendingLimits(ctx, { tenantId: tenant.id });
        output(o, r, (v: typeof r) => [
          `per account  ${v.accountLimit} messages / ${v.windowSeconds} s${v.isDefault ? '   (defaults)' : ''}`,
          `per tenant   ${v.tenantLimit} messages / ${v.windowSeconds} s`,
          `suspend      ${v.autoSuspend ? 'automatically when held' : 'never automatically'}`,
        ]);
      }),
    );
  mail
    .command('resume <tenant> <accountId>')
    .description("lift an account's sending suspension")
    .action((t: string, accountId: string) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const r = await liftSuspension(ctx, { tenantId: tenant.id, accountId });
        process.stdout.write(r.lifted ? `sending resumed for ${accountId}\n` : `${accountId} was not suspended\n`);
      }),
    );
  mail
    .command('dkim <tenant> <domain>')
    .description('the DKIM records to publish; --rotate makes a new key')
    .option('--rotate', 'a new key under a new selector (publish its record; the old key is retired)')
    .option('--json', 'JSON output')
    .action((t: string, domain: string, o: { rotate?: boolean } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const input = { tenantId: tenant.id, domainId: (await resolveDomain(ctx, tenant.id, domain)).id };
        const r = o.rotate ? await rotateDkim(ctx, input) : await getDkimRecords(ctx, input);
        output(o, r, (v: typeof r) => v.keys.map((k) => `${k.status.padEnd(8)} ${k.record.name} TXT "${k.record.value}"`));
      }),
    );
}
