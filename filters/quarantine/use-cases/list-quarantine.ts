import { z } from 'zod';
import type { Ctx } from '../../../platform/context';
import type { Page } from '../../../platform/db/paginate';
import { authorizeTenant } from '../../policy/use-cases/access';
import { listQuarantined } from '../repositories/quarantine';
import { DEFAULT_PAGE, MAX_PAGE } from '../limits';
import { presentQuarantined, type QuarantinedMessage } from './view';

export const listQuarantineInput = z.strictObject({
  tenantId: z.uuid(),
  /** substring of the envelope sender, case-insensitive */
  sender: z.string().min(1).max(320).optional(),
  /** substring of the subject, case-insensitive */
  subject: z.string().min(1).max(998).optional(),
  recipient: z.string().min(3).max(320).optional(),
  reason: z.enum(['virus', 'spam', 'blocked_sender']).optional(),
  status: z.enum(['held', 'releasing', 'released']).optional(),
  /** [from, to): quarantined at or after `from`, before `to` */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z.string().max(500).optional(),
});
export type ListQuarantineInput = z.input<typeof listQuarantineInput>;

const iso = (t: string | undefined) => (t ? new Date(t).toISOString() : undefined);

/** A tenant's quarantine, oldest first (keyset pages), searchable by sender, subject, reason and date range. */
export async function listQuarantine(ctx: Ctx, input: ListQuarantineInput): Promise<Page<QuarantinedMessage>> {
  const p = listQuarantineInput.parse(input);
  await authorizeTenant(ctx, ctx.db, 'quarantine.read', p.tenantId);
  const page = await listQuarantined(
    ctx.db,
    p.tenantId,
    { sender: p.sender, subject: p.subject, recipient: p.recipient, reason: p.reason, status: p.status, from: iso(p.from), to: iso(p.to) },
    { limit: p.limit, cursor: p.cursor },
  );
  return { items: page.items.map(presentQuarantined), nextCursor: page.nextCursor };
}
