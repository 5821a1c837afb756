import { randomUUID } from 'node:crypto';
import type { Trx } from '../../../platform/db';
import { z } from 'zod';
import type { Actor } from '../../../platform/actor';
import { appendAudit } from '../../../platform/audit';
import type { Ctx } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { AppError, notFound } from '../../../platform/errors';
import {
  countEntries,
  deleteEntry,
  findEntry,
  findEntryById,
  insertEntry,
  listEntries,
  type SenderListRow,
} from '../repositories/policies';
import { LISTS, noteSchema, patternSchema, type SenderListEntry } from '../policy';
import { MAX_LIST_ENTRIES } from '../limits';
import { authorizeTenant } from './access';

/**
 * A tenant's allow and block lists of senders (the envelope MAIL FROM): addresses, domains and
 * `*.domain` for subdomains. Adding an entry that is already there is not an error: the answer says
 * `created: false`. Every change is audited.
 */
export const addSenderEntryInput = z.strictObject({
  tenantId: z.uuid(),
  list: z.enum(LISTS),
  pattern: patternSchema,
  note: noteSchema.optional(),
});
export type AddSenderEntryInput = z.input<typeof addSenderEntryInput>;

export const removeSenderEntryInput = z.strictObject({ tenantId: z.uuid(), entryId: z.uuid() });
export type RemoveSenderEntryInput = z.infer<typeof removeSenderEntryInput>;

export const listSenderEntriesInput = z.strictObject({ tenantId: z.uuid(), list: z.enum(LISTS).optional() });
export type ListSenderEntriesInput = z.infer<typeof listSenderEntriesInput>;

const present = (r: SenderListRow): SenderListEntry => ({
  id: r.id,
  list: r.list,
  pattern: r.pattern,
  note: r.note,
  createdAt: r.created_at,
});

/** Inside a caller's transaction (a release adds the sender this way). */
export async function addSenderEntryIn(
  trx: Trx,
  actor: Actor,
  p: { tenantId: string; list: 'allow' | 'block'; pattern: string; note?: string | undefined },
): Promise<{ entry: SenderListEntry; created: boolean }> {
  const existing = await findEntry(trx, p.tenantId, p.list, p.pattern);
  if (existing) return { entry: present(existing), created: false };
  if ((await countEntries(trx, p.tenantId)) >= MAX_LIST_ENTRIES)
    throw new AppError('unprocessable', `a tenant holds at most ${MAX_LIST_ENTRIES} allow and block entries; remove some first`);
  const row: SenderListRow = {
    id: randomUUID(),
    tenant_id: p.tenantId,
    list: p.list,
    pattern: p.pattern,
    note: p.note ?? '',
    created_at: nowIso(),
  };
  await insertEntry(trx, row);
  const entry = present(row);
  await appendAudit(trx, actor, {
    action: `filter.${p.list}list.added`,
    tenantId: p.tenantId,
    target: { type: 'filter_sender', id: row.id },
    after: entry,
  });
  return { entry, created: true };
}

export async function addSenderEntry(ctx: Ctx, input: AddSenderEntryInput): Promise<{ entry: SenderListEntry; created: boolean }> {
  const p = addSenderEntryInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'filter.write', p.tenantId);
  return inTransaction(ctx.db, ({ trx }) => addSenderEntryIn(trx, ctx.actor, p));
}

export async function removeSenderEntry(ctx: Ctx, input: RemoveSenderEntryInput): Promise<void> {
  const p = removeSenderEntryInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'filter.write', p.tenantId);
  await inTransaction(ctx.db, async ({ trx }) => {
    const row = await findEntryById(trx, p.tenantId, p.entryId);
    if (!row) throw notFound('list entry', p.entryId);
    await deleteEntry(trx, row.id);
    await appendAudit(trx, ctx.actor, {
      action: `filter.${row.list}list.removed`,
      tenantId: p.tenantId,
      target: { type: 'filter_sender', id: row.id },
      before: present(row),
    });
  });
}

export async function listSenderEntries(ctx: Ctx, input: ListSenderEntriesInput): Promise<{ items: SenderListEntry[] }> {
  const p = listSenderEntriesInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'filter.read', p.tenantId);
  return { items: (await listEntries(ctx.db, p.tenantId, p.list)).map(present) };
}

/** The entry of a list with this pattern (the CLI removes by pattern). */
export async function findSenderEntry(ctx: Ctx, tenantId: string, list: 'allow' | 'block', pattern: string): Promise<SenderListEntry> {
  await authorizeTenant(ctx, ctx.db, 'filter.read', tenantId);
  const normalized = patternSchema.parse(pattern);
  const row = await findEntry(ctx.db, tenantId, list, normalized);
  if (!row) throw notFound(`${list} list entry`, normalized);
  return present(row);
}
