import fs from 'node:fs';
import type { Services } from '../../../platform/context';
import { isAppError } from '../../../platform/errors';
import { LiveUsage } from '../../../quotas/shared/live-usage';
import type { RecipientOutcome } from '../../delivery/lmtp';
import { replyFor } from '../../smtp/replies';
import type { Spool, SpoolTarget } from '../../spool/spool';
import { acceptMessage } from '../../use-cases/accept-message';
import { checkRecipient } from '../../use-cases/check-recipient';

export type SendLocalDeps = Pick<Services, 'config' | 'db' | 'doveadm' | 'logger' | 'queue'> & { spool: Spool };

let liveUsage: LiveUsage | null = null;

/**
 * Mail for the platform's own domains goes through the inbound path, as if it had come in at the MX:
 * the RCPT policy (address known, account deliverable, room in the quota) and then the inbound spool and
 * pipeline (antivirus, the recipient tenant's spam policy, aliases, local forwardings, LMTP). A refusal
 * is per recipient, with the reply the MX would have given (5xx failed, 4xx deferred).
 */
export async function sendLocal(
  deps: SendLocalDeps,
  input: { path: string; mailFrom: string; recipients: string[]; sizeBytes: number; clientAddress: string; heloName: string },
): Promise<{ outcomes: RecipientOutcome[]; inboundQueueId: string | null }> {
  liveUsage ??= new LiveUsage(deps.doveadm);
  const outcomes: RecipientOutcome[] = [];
  const accepted: Array<{ address: string; targets: SpoolTarget[] }> = [];
  for (const r of input.recipients) {
    try {
      accepted.push({ address: r, targets: await checkRecipient({ ...deps, liveUsage }, { address: r, declaredSize: input.sizeBytes }) });
    } catch (e) {
      const reply = replyFor(e);
      if (!isAppError(e)) deps.logger.warn({ err: (e as Error).message, rcpt: r }, 'local recipient check failed');
      outcomes.push({
        recipient: r,
        status: reply.code >= 500 ? 'failed' : 'deferred',
        response: `${reply.code} ${reply.enhanced} ${reply.text}`,
        code: reply.code,
      });
    }
  }
  if (!accepted.length) return { outcomes, inboundQueueId: null };
  try {
    const { queueId } = await acceptMessage(deps, {
      stream: fs.createReadStream(input.path, { highWaterMark: 64 * 1024 }),
      mailFrom: input.mailFrom,
      recipients: accepted,
      clientAddress: input.clientAddress,
      heloName: input.heloName,
      secure: true,
      maxBytes: deps.config.smtp.maxMessageBytes,
    });
    for (const a of accepted) outcomes.push({ recipient: a.address, status: 'delivered', response: `accepted as inbound ${queueId}` });
    return { outcomes, inboundQueueId: queueId };
  } catch (e) {
    const reply = replyFor(e);
    for (const a of accepted)
      outcomes.push({
        recipient: a.address,
        status: reply.code >= 500 ? 'failed' : 'deferred',
        response: `${reply.code} ${reply.enhanced} ${reply.text}`,
        code: reply.code,
      });
    return { outcomes, inboundQueueId: null };
  }
}
