import fsp from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { isAppError } from '../../../platform/errors';
import { recordEvent } from '../../repositories/messages';
import { acceptMessage } from '../../use-cases/accept-message';
import { checkRecipient } from '../../use-cases/check-recipient';
import { LiveUsage } from '../../../quotas/shared/live-usage';
import type { SendLocalDeps } from '../delivery/send-local';
import type { OutboundMessageRow } from '../repositories/outbound';

/** The original's header block is returned in the report up to this many bytes (RFC 3462 text/rfc822-headers). */
const BOUNCE_HEADER_BYTES = 64 * 1024;

let liveUsage: LiveUsage | null = null;

export interface FailedRecipient {
  recipient: string;
  response: string;
}

/** The RFC 3463 status of a reply ("550 5.1.1 …" → 5.1.1), or 5.0.0. */
export const statusOf = (response: string) => /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1]?.replace(/^4/, '5') ?? '5.0.0';

/**
 * An RFC 3464 delivery status notification for recipients of a submitted message that failed for good,
 * to its envelope sender, through the inbound path (the sender is always one of the platform's accounts
 * or aliases: submission accepts no other). Never for a held message (spam, virus: those are never
 * sent, so never fail), never to the null sender, and sent with the null sender itself, so that a
 * report that cannot be delivered is never reported again (no loop). A report that cannot be handed over
 * is logged, not retried: the recipient's failure stays in the queue and the trace.
 */
export async function sendBounce(
  deps: SendLocalDeps,
  row: OutboundMessageRow,
  spoolPath: string,
  failed: FailedRecipient[],
): Promise<string | null> {
  if (!row.mail_from || !failed.length) return null;
  liveUsage ??= new LiveUsage(deps.doveadm);
  const host = deps.config.smtp.hostname;
  const head = await fsp.open(spoolPath, 'r').then(async (fh) => {
    try {
      const buf = Buffer.alloc(BOUNCE_HEADER_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.search(/\r?\n\r?\n/);
      return (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n/g, '\r\n');
    } finally {
      await fh.close();
    }
  });
  const boundary = `pw-dsn-${randomUUID()}`;
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${host}>`,
    `To: <${row.mail_from}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${row.queue_id}.dsn@${host}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Your message ${row.message_id ?? ''} of ${row.created_at} could not be delivered to:`,
    ...failed.map((f) => `  <${f.recipient}>: ${f.response.replace(/[\r\n]+/g, ' ').slice(0, 500)}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${host}`,
    `X-Postwerk-Queue-ID: ${row.queue_id}`,
    `Arrival-Date: ${new Date(row.created_at).toUTCString()}`,
    '',
    ...failed.flatMap((f) => [
      `Final-Recipient: rfc822; ${f.recipient}`,
      'Action: failed',
      `Status: ${statusOf(f.response)}`,
      `Diagnostic-Code: smtp; ${f.response.replace(/[\r\n]+/g, ' ').slice(0, 500)}`,
      '',
    ]),
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    head,
    '',
    `--${boundary}--`,
    '',
  ];
  const raw = Buffer.from(lines.join('\r\n'), 'utf8');
  try {
    const targets = await checkRecipient({ ...deps, liveUsage }, { address: row.mail_from, declaredSize: raw.length });
    const { queueId } = await acceptMessage(deps, {
      stream: Readable.from([raw]),
      mailFrom: '',
      recipients: [{ address: row.mail_from, targets }],
      clientAddress: '127.0.0.1',
      heloName: host,
      secure: true,
      maxBytes: deps.config.smtp.maxMessageBytes,
    });
    await recordEvent(deps.db, {
      queueId: row.queue_id,
      messageId: row.message_id,
      tenantId: row.tenant_id,
      recipient: row.mail_from,
      stage: 'bounced',
      receivedAt: row.created_at,
      detail: { report: queueId, failed: failed.map((f) => f.recipient) },
    });
    return queueId;
  } catch (e) {
    deps.logger.warn(
      { queueId: row.queue_id, err: isAppError(e) ? e.message : (e as Error).message },
      'delivery status notification not sent',
    );
    return null;
  }
}
