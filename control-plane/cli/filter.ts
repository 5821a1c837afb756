import type { Command } from 'commander';
import { invalid } from '../../platform/errors';
import { getFilterPolicy, type FilterPolicyView } from '../../filters/policy/use-cases/get-filter-policy';
import { setFilterPolicy } from '../../filters/policy/use-cases/set-filter-policy';
import { addSenderEntry, findSenderEntry, listSenderEntries, removeSenderEntry } from '../../filters/policy/use-cases/sender-lists';
import { BAND_ACTIONS, RELEASERS, type Band, type SenderListEntry } from '../../filters/policy/policy';
import { listQuarantine } from '../../filters/quarantine/use-cases/list-quarantine';
import { getQuarantined } from '../../filters/quarantine/use-cases/get-quarantined';
import { previewQuarantined } from '../../filters/quarantine/use-cases/preview-quarantined';
import { releaseQuarantined, type ReleaseResult } from '../../filters/quarantine/use-cases/release-quarantined';
import { deleteQuarantined } from '../../filters/quarantine/use-cases/delete-quarantined';
import { expireQuarantine } from '../../filters/quarantine/use-cases/expire-quarantine';
import type { QuarantinedMessage } from '../../filters/quarantine/use-cases/view';
import { traceMessages, type TracedMessage } from '../../filters/trace/use-cases/trace-messages';
import { resolveTenant } from '../../tenancy/use-cases/list-tenants';
import { output, withCtx, type OutputOptions } from './runtime';
import { registerOutboundCommands } from './outbound';

/**
 * `postwerk filter …`, `postwerk quarantine …`, `postwerk mail trace`: the tenant's filter policy, its
 * quarantine and the message trace, through the same use cases as the API, as the `cli` actor.
 */
const collect = (v: string, all: string[] = []) => [...all, v];

/** `5=junk` → {minScore 5, action junk} */
function parseBand(text: string): Band {
  const m = /^(-?\d+(?:\.\d+)?)=([a-z]+)$/.exec(text.trim());
  if (!m || !(BAND_ACTIONS as readonly string[]).includes(m[2]!))
    throw invalid(`--band ${text}: write SCORE=ACTION, ACTION one of ${BAND_ACTIONS.join(', ')} (e.g. --band 5=junk --band 10=quarantine)`);
  return { minScore: Number(m[1]), action: m[2] as Band['action'] };
}

function parseRelease(texts: string[]): Record<string, 'tenant_admin' | 'operator'> {
  const out: Record<string, 'tenant_admin' | 'operator'> = {};
  for (const t of texts) {
    const [reason, who] = t.split('=');
    if (!reason || !['spam', 'blocked_sender', 'virus'].includes(reason) || !(RELEASERS as readonly string[]).includes(who ?? ''))
      throw invalid(`--release ${t}: write REASON=ROLE, REASON spam|blocked_sender|virus, ROLE ${RELEASERS.join('|')}`);
    out[reason] = who as 'tenant_admin' | 'operator';
  }
  return out;
}

const policyLines = (p: FilterPolicyView) => [
  `bands        ${p.bands.length ? p.bands.map((b) => `${b.minScore}=${b.action}`).join(' ') : '(none: everything delivered with X-Spam headers)'}${p.isDefault ? '   (defaults)' : ''}`,
  `release      spam: ${p.releasePolicy.spam}, blocked_sender: ${p.releasePolicy.blocked_sender}, virus: ${p.releasePolicy.virus}`,
  `quarantine   kept ${p.quarantineDays} days`,
  `lists        ${p.allowEntries} allowed, ${p.blockEntries} blocked senders`,
];

const entryLine = (e: SenderListEntry) => `${e.list}\t${e.pattern}\t${e.note}`;
const itemLine = (q: QuarantinedMessage) =>
  `${q.id}\t${q.createdAt}\t${q.reason}\t${q.status}\t${q.recipient}\t${q.sender || '<>'}\t${q.subject}`;

export function registerFilterCommands(program: Command): void {
  const filter = program.command('filter').description("a tenant's inbound filter policy and its allow and block lists");
  const policy = filter.command('policy').description('score bands, release policy, quarantine period');
  policy
    .command('show <tenant>')
    .option('--json', 'JSON output')
    .action((t: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        output(o, await getFilterPolicy(ctx, { tenantId: tenant.id }), policyLines);
      }),
    );
  policy
    .command('set <tenant>')
    .description('e.g. --band 5=junk --band 10=quarantine --band 15=reject; --release virus=operator; --quarantine-days 14')
    .option('--band <score=action>', 'a band (repeat; replaces all bands)', collect)
    .option('--no-bands', 'no bands at all: deliver everything, with X-Spam headers')
    .option('--allow-discard', 'accept a discard band (discarded mail is lost without a trace)')
    .option('--release <reason=role>', 'who may release (repeat)', collect)
    .option('--quarantine-days <n>', 'how long quarantined mail is kept')
    .option('--json', 'JSON output')
    .action(
      (
        t: string,
        o: { band?: string[]; bands?: boolean; allowDiscard?: boolean; release?: string[]; quarantineDays?: string } & OutputOptions,
      ) =>
        withCtx(async (ctx) => {
          const tenant = await resolveTenant(ctx, t);
          const bands = o.bands === false ? [] : o.band?.map(parseBand);
          const result = await setFilterPolicy(ctx, {
            tenantId: tenant.id,
            ...(bands ? { bands } : {}),
            ...(o.allowDiscard ? { allowDiscard: true } : {}),
            ...(o.release ? { releasePolicy: parseRelease(o.release) } : {}),
            ...(o.quarantineDays !== undefined ? { quarantineDays: Number(o.quarantineDays) } : {}),
          });
          output(o, result, policyLines);
        }),
    );

  for (const list of ['allow', 'block'] as const) {
    const cmd = filter.command(list).description(`the ${list} list of senders (address, domain or *.domain)`);
    cmd
      .command('add <tenant> <pattern>')
      .option('--note <text>', 'why (for the next admin)')
      .option('--json', 'JSON output')
      .action((t: string, pattern: string, o: { note?: string } & OutputOptions) =>
        withCtx(async (ctx) => {
          const tenant = await resolveTenant(ctx, t);
          const r = await addSenderEntry(ctx, { tenantId: tenant.id, list, pattern, note: o.note });
          output(o, r, (v: typeof r) => `${v.entry.pattern} ${v.created ? 'added to' : 'was already on'} the ${list} list`);
        }),
      );
    cmd.command('remove <tenant> <pattern>').action((t: string, pattern: string) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const entry = await findSenderEntry(ctx, tenant.id, list, pattern);
        await removeSenderEntry(ctx, { tenantId: tenant.id, entryId: entry.id });
        process.stdout.write(`${entry.pattern} removed from the ${list} list\n`);
      }),
    );
  }
  filter
    .command('lists <tenant>')
    .description('both lists')
    .option('--json', 'JSON output')
    .action((t: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        output(o, await listSenderEntries(ctx, { tenantId: tenant.id }), (v: { items: SenderListEntry[] }) =>
          v.items.length ? v.items.map(entryLine) : '(no entries)',
        );
      }),
    );

  const quarantine = program.command('quarantine').description("a tenant's quarantined mail");
  quarantine
    .command('list <tenant>')
    .option('--sender <text>', 'envelope sender contains')
    .option('--subject <text>', 'subject contains')
    .option('--recipient <address>')
    .option('--reason <reason>', 'virus | spam | blocked_sender')
    .option('--status <status>', 'held | releasing | released')
    .option('--from <time>', 'quarantined at or after (ISO 8601)')
    .option('--to <time>', 'quarantined before (ISO 8601)')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--json', 'JSON output')
    .action((t: string, o: Record<string, string> & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const page = await listQuarantine(ctx, {
          tenantId: tenant.id,
          sender: o.sender,
          subject: o.subject,
          recipient: o.recipient,
          reason: o.reason as never,
          status: o.status as never,
          from: o.from,
          to: o.to,
          limit: Number(o.limit),
          cursor: o.cursor,
        });
        output(o, page, (v: typeof page) => [
          ...(v.items.length ? v.items.map(itemLine) : ['(nothing quarantined)']),
          ...(v.nextCursor ? [`(more: --cursor ${v.nextCursor})`] : []),
        ]);
      }),
    );
  quarantine
    .command('show <tenant> <id>')
    .option('--json', 'JSON output')
    .action((t: string, id: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        output(o, await getQuarantined(ctx, { tenantId: tenant.id, quarantineId: id }), (q: QuarantinedMessage) =>
          Object.entries(q).map(([k, v]) => `${k.padEnd(12)} ${v ?? '-'}`),
        );
      }),
    );
  quarantine
    .command('preview <tenant> <id>')
    .description('headers and plain text only')
    .option('--json', 'JSON output')
    .action((t: string, id: string, o: OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const r = await previewQuarantined(ctx, { tenantId: tenant.id, quarantineId: id });
        output(o, r, (v: typeof r) => [
          ...v.preview.headers.map((h) => `${h.name}: ${h.value}`),
          '',
          v.preview.headersOnly ? '(too big to preview: headers only)' : v.preview.text,
          ...v.preview.attachments.map((a) => `[attachment] ${a.filename ?? '(no name)'} ${a.contentType} ${a.sizeBytes} bytes`),
        ]);
      }),
    );
  quarantine
    .command('release <tenant> <id>')
    .description('scan again and deliver to the INBOX')
    .option('--allow-sender', "add the sender to the tenant's allow list")
    .option('--learn-ham', 'teach rspamd the message was ham')
    .option('--json', 'JSON output')
    .action((t: string, id: string, o: { allowSender?: boolean; learnHam?: boolean } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenant = await resolveTenant(ctx, t);
        const r = await releaseQuarantined(ctx, {
          tenantId: tenant.id,
          quarantineId: id,
          allowSender: !!o.allowSender,
          learnHam: !!o.learnHam,
        });
        output(o, r, (v: ReleaseResult) => [
          `released to ${v.message.recipient}'s INBOX`,
          ...(v.allowListed ? [`${v.allowListed} added to the allow list`] : []),
          ...(v.learned ? [`rspamd: ${v.learned.status}${v.learned.status === 'failed' ? ` (${v.learned.error})` : ''}`] : []),
        ]);
      }),
    );
  quarantine.command('delete <tenant> <id>').action((t: string, id: string) =>
    withCtx(async (ctx) => {
      const tenant = await resolveTenant(ctx, t);
      await deleteQuarantined(ctx, { tenantId: tenant.id, quarantineId: id });
      process.stdout.write(`deleted ${id}\n`);
    }),
  );
  quarantine
    .command('expire')
    .description('delete what is past its period now (the hourly job does the same)')
    .option('--tenant <tenant>', 'one tenant only')
    .option('--json', 'JSON output')
    .action((o: { tenant?: string } & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : undefined;
        const r = await expireQuarantine(ctx, { tenantId });
        output(o, r, (v: typeof r) => `expired ${v.expired}, orphan files removed ${v.orphanFilesRemoved}`);
      }),
    );

  const mail = program.command('mail').description('inbound and outbound mail: the trace, the outbound queue, sending limits, DKIM');
  registerOutboundCommands(mail);
  mail
    .command('trace')
    .description("a message's path: by --queue-id, --message-id, or --recipient with --from/--to (default the last 7 days)")
    .option('--queue-id <id>')
    .option('--message-id <id>')
    .option('--recipient <address>')
    .option('--from <time>', 'events at or after (ISO 8601)')
    .option('--to <time>', 'events before (ISO 8601)')
    .option('--tenant <tenant>', "only this tenant's messages")
    .option('--limit <n>', 'messages', '20')
    .option('--json', 'JSON output')
    .action((o: Record<string, string> & OutputOptions) =>
      withCtx(async (ctx) => {
        const tenantId = o.tenant ? (await resolveTenant(ctx, o.tenant)).id : undefined;
        const r = await traceMessages(ctx, {
          queueId: o.queueId,
          messageId: o.messageId,
          recipient: o.recipient,
          from: o.from,
          to: o.to,
          tenantId,
          limit: Number(o.limit),
        });
        output(o, r, (v: { items: TracedMessage[] }) =>
          v.items.length
            ? v.items.flatMap((m) => [
                `${m.queueId}  ${m.messageId ?? '(no Message-ID)'}  accepted ${m.acceptedAt ?? '?'}`,
                ...m.events.map(
                  (e) =>
                    `  +${String(e.elapsedMs ?? '?').padStart(6)} ms  ${e.stage.padEnd(11)} ${e.recipient ?? ''}  ${e.detail === null ? '' : JSON.stringify(e.detail)}`,
                ),
              ])
            : '(no message found)',
        );
      }),
    );
}
