import { z } from 'zod';
import { simpleParser, type AddressObject } from 'mailparser';
import type { Ctx } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { messagesByIds } from '../repositories/index-rows';
import { openStore } from '../store/open-store';
import { MAX_RESTORE_MESSAGE_BYTES, PREVIEW_TEXT_CHARS } from '../limits';
import { authorizeTenant } from './access';
import { presentBackupMessage, type BackupMessage } from './search-backups';

export const previewMessageInput = z.strictObject({ tenantId: z.uuid(), messageId: z.coerce.number().int().positive() });
export type PreviewMessageInput = z.input<typeof previewMessageInput>;

export interface MessagePreview {
  message: BackupMessage;
  headers: {
    subject: string | null;
    from: string | null;
    to: string | null;
    cc: string | null;
    date: string | null;
    messageId: string | null;
  };
  /** the plain text part, cut; HTML is never rendered nor returned */
  text: string;
  truncated: boolean;
  attachments: Array<{ filename: string | null; contentType: string; size: number }>;
}

const addr = (a: AddressObject | AddressObject[] | undefined): string | null =>
  a ? (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text) : null;

/**
 * A safe look at a backed-up message for support: headers and plain text only (mailparser), no HTML, no
 * attachment content, the body verified against its hash on the way.
 */
export async function previewMessage(ctx: Pick<Ctx, 'db' | 'actor' | 'config'>, raw: PreviewMessageInput): Promise<MessagePreview> {
  const input = previewMessageInput.parse(raw);
  await authorizeTenant(ctx, 'backup.read', input.tenantId);
  const [row] = await messagesByIds(ctx.db, input.tenantId, [input.messageId]);
  if (!row) throw notFound('backed-up message', String(input.messageId));
  const store = await openStore(ctx, input.tenantId);
  const body = await store.read(row.hash, MAX_RESTORE_MESSAGE_BYTES);
  const mail = await simpleParser(body, { skipHtmlToText: true, skipImageLinks: true, skipTextLinks: true });
  const text = mail.text ?? '';
  return {
    message: presentBackupMessage(row),
    headers: {
      subject: mail.subject ?? null,
      from: addr(mail.from),
      to: addr(mail.to),
      cc: addr(mail.cc),
      date: mail.date ? mail.date.toISOString() : null,
      messageId: mail.messageId ?? null,
    },
    text: text.slice(0, PREVIEW_TEXT_CHARS),
    truncated: text.length > PREVIEW_TEXT_CHARS,
    attachments: mail.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, size: a.size })),
  };
}
