import path from 'node:path';
import { z } from 'zod';
import type { Ctx } from '../../../platform/context';
import { conflict } from '../../../platform/errors';
import { MAX_PREVIEW_PARSE_BYTES } from '../limits';
import { buildPreview, type MessagePreview } from '../preview';
import { openSealedFile } from '../store/sealed-file';
import { loadQuarantined, presentQuarantined, type QuarantinedMessage } from './view';

export const previewQuarantinedInput = z.strictObject({ tenantId: z.uuid(), quarantineId: z.uuid() });
export type PreviewQuarantinedInput = z.infer<typeof previewQuarantinedInput>;

/**
 * Headers and text of a quarantined message (see preview.ts for what is left out and why). The file is
 * decrypted as a stream and read to its end, so the preview is shown only once the file authenticated;
 * a message above MAX_PREVIEW_PARSE_BYTES shows its headers only.
 */
export async function previewQuarantined(
  ctx: Ctx,
  input: PreviewQuarantinedInput,
): Promise<{ message: QuarantinedMessage; preview: MessagePreview }> {
  const p = previewQuarantinedInput.parse(input);
  const row = await loadQuarantined(ctx, ctx.db, 'quarantine.read', p.tenantId, p.quarantineId);
  if (row.status === 'released') throw conflict(`quarantined message ${row.id} was released; its content is no longer kept`);
  const plain = await openSealedFile(ctx.config.secretKey, path.join(ctx.config.quarantineDir, row.file), row.id);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of plain) {
    const b = chunk as Buffer;
    total += b.length;
    if (keptBytes < MAX_PREVIEW_PARSE_BYTES) {
      const part = b.subarray(0, MAX_PREVIEW_PARSE_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
  }
  const preview = await buildPreview(Buffer.concat(kept, keptBytes), { headersOnly: total > MAX_PREVIEW_PARSE_BYTES });
  return { message: presentQuarantined(row), preview };
}
