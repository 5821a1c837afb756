import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../../../platform/context';
import { isUniqueViolation } from '../../../platform/db';
import { invalid } from '../../../platform/errors';
import type { AntivirusVerdict, Decision, SpamVerdict, SpooledMessage } from '../../verdicts';
import { loadPolicy } from '../../policy/use-cases/load-policy';
import { findByQueueRecipient, insertQuarantined, type QuarantineRow } from '../repositories/quarantine';
import { sealToFile } from '../store/sealed-file';
import { indexHeaders } from '../index-headers';
import { quarantineFile } from '../paths';

export const quarantineMessageInput = z.object({
  message: z
    .object({
      queueId: z.string().min(1).max(64),
      path: z.string().min(1),
      sizeBytes: z.number().int().min(0),
      envelope: z.object({ mailFrom: z.string().max(320) }).loose(),
    })
    .loose(),
  tenantId: z.uuid(),
  accountId: z.uuid().nullable(),
  recipient: z.string().min(1).max(320),
  decision: z.object({ action: z.literal('quarantine'), reason: z.enum(['virus', 'spam', 'blocked_sender']), detail: z.string() }),
  av: z.object({ kind: z.string() }).loose(),
  spam: z.object({ kind: z.string() }).loose(),
});

export interface QuarantineMessageInput {
  message: SpooledMessage;
  tenantId: string;
  /** the account the recipient resolved to (null: none any more, e.g. purged meanwhile) */
  accountId: string | null;
  recipient: string;
  decision: Decision;
  av: AntivirusVerdict;
  spam: SpamVerdict;
}

const DAY_MS = 24 * 3600_000;

/**
 * Takes a message out of the mail flow for one recipient: the spool file is copied, encrypted, into the
 * tenant's quarantine folder (fsync'd) and indexed in quarantine_messages before this returns, so the
 * pipeline may then count the recipient as done and let the spool file go.
 *
 * Idempotent per (queue id, recipient): a retried pipeline job gets the first quarantine id back and
 * writes nothing. Two racing calls both write a file; the unique index lets one row in and the loser
 * removes its file. A crash between the file and the row leaves a file no row names, which the expiry
 * job sweeps (ORPHAN_FILE_AGE_MS); the pipeline retries and quarantines again.
 *
 * The message history (recordEvent, stage quarantined) is the pipeline's to write.
 */
export async function quarantineMessage(
  services: Pick<Services, 'config' | 'db' | 'logger'>,
  input: QuarantineMessageInput,
): Promise<{ quarantineId: string }> {
  const parsed = quarantineMessageInput.safeParse(input);
  if (!parsed.success)
    throw invalid(`quarantineMessage: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { message, tenantId, accountId, decision, av, spam } = input;
  if (decision.action !== 'quarantine') throw invalid(`quarantineMessage: the decision is ${decision.action}, not quarantine`);
  const recipient = input.recipient.trim().toLowerCase();

  const existing = await findByQueueRecipient(services.db, message.queueId, recipient);
  if (existing) return { quarantineId: existing.id };

  const policy = await loadPolicy(services.db, tenantId);
  const headers = await indexHeaders(message.path);
  const id = randomUUID();
  const file = quarantineFile(tenantId, id);
  const abs = path.join(services.config.quarantineDir, file);
  const { keyId } = await sealToFile(services.config.secretKey, fs.createReadStream(message.path), abs, id);

  const now = new Date();
  const createdAt = now.toISOString();
  const row: QuarantineRow = {
    id,
    tenant_id: tenantId,
    account_id: accountId,
    recipient,
    sender: message.envelope.mailFrom,
    header_from: headers.from,
    subject: headers.subject,
    message_id: headers.messageId,
    reason: decision.reason,
    detail: decision.detail,
    av_verdict: JSON.stringify(av),
    spam_verdict: JSON.stringify(spam),
    spam_score: spam.kind === 'scored' ? spam.score : null,
    size_bytes: message.sizeBytes,
    queue_id: message.queueId,
    file,
    key_id: keyId,
    created_at: createdAt,
    expires_at: new Date(now.getTime() + policy.quarantineDays * DAY_MS).toISOString(),
    status: 'held',
    status_at: createdAt,
    released_by: null,
    list_key: `${createdAt}|${id}`,
  };
  try {
    await insertQuarantined(services.db, row);
  } catch (e) {
    await fs.promises.rm(abs, { force: true });
    if (isUniqueViolation(e)) {
      const winner = await findByQueueRecipient(services.db, message.queueId, recipient);
      if (winner) return { quarantineId: winner.id };
    }
    throw e;
  }
  services.logger.info({ tenantId, quarantineId: id, queueId: message.queueId, reason: decision.reason }, 'message quarantined');
  return { quarantineId: id };
}
