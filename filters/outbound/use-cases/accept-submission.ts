import type { Readable } from 'node:stream';
import { domainToASCII } from 'node:url';
import type { Services } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { AppError } from '../../../platform/errors';
import { domainAcceptance } from '../../../tenancy/use-cases/resolve-address';
import { newQueueId } from '../../spool/queue-id';
import { SpoolSizeExceeded, type Spool, type SpoolEnvelope } from '../../spool/spool';
import { processOutboundJob } from '../jobs';
import { insertOutbound } from '../repositories/outbound';
import type { Submitter } from './authenticate-submitter';
import { countMessage, effectiveLimits } from './sending-limits';

export interface AcceptSubmissionInput {
  stream: Readable;
  submitter: Submitter;
  mailFrom: string;
  rcptTo: string[];
  clientAddress: string;
  heloName: string;
  secure: boolean;
  maxBytes: number;
}

export type AcceptSubmissionDeps = Pick<Services, 'config' | 'db' | 'queue' | 'logger' | 'redis'> & { outboundSpool: Spool };

/**
 * End of DATA on the submission port, with the inbound spool's discipline (filters/spool): the message
 * is durable (fsync, rename, fsync of the folder) before the 250. The sending limit is counted here, in
 * Redis; a message over it is accepted and held (the hold is in the spool's sidecar, so a crash cannot
 * forget it). Rows and the job follow the commit; the outbound sweep writes them again when either failed.
 */
export async function acceptSubmission(
  deps: AcceptSubmissionDeps,
  input: AcceptSubmissionInput,
): Promise<{ queueId: string; held: boolean }> {
  const queueId = newQueueId();
  let received;
  try {
    received = await deps.outboundSpool.receive(queueId, input.stream, input.maxBytes);
  } catch (e) {
    if (e instanceof SpoolSizeExceeded) throw new AppError('payload_too_large', `Message exceeds fixed maximum message size ${e.limit}`);
    throw e;
  }
  let hold: NonNullable<SpoolEnvelope['submission']>['hold'];
  try {
    const limits = await effectiveLimits(deps, input.submitter.tenantId);
    const over = await countMessage(deps.redis, limits, input.submitter);
    if (over) hold = { reason: 'rate_limit', detail: over };
  } catch (e) {
    await received.discard();
    throw e;
  }
  const envelope: SpoolEnvelope = {
    queueId,
    sizeBytes: received.sizeBytes,
    receivedAt: nowIso(),
    messageId: received.messageId,
    envelope: {
      mailFrom: input.mailFrom,
      rcptTo: input.rcptTo,
      clientAddress: input.clientAddress,
      heloName: input.heloName,
      secure: input.secure,
    },
    targets: [],
    submission: {
      accountId: input.submitter.accountId,
      tenantId: input.submitter.tenantId,
      username: input.submitter.username,
      ...(hold ? { hold } : {}),
    },
  };
  await received.commit(envelope);
  await recordSubmission(deps, envelope).catch((e) =>
    deps.logger.warn({ err: (e as Error).message, queueId }, 'submitted message not recorded yet; the outbound sweep will'),
  );
  return { queueId, held: Boolean(hold) };
}

/** Rows and job of a spooled submission; repeating it is harmless (the sweep does, after a crash). */
export async function recordSubmission(deps: Pick<Services, 'db' | 'queue'>, env: SpoolEnvelope): Promise<void> {
  await recordSubmissionRows(deps.db, env);
  await deps.queue.enqueue(processOutboundJob, { queueId: env.queueId });
}

export async function recordSubmissionRows(db: Services['db'], env: SpoolEnvelope): Promise<void> {
  const s = env.submission;
  if (!s) throw new Error(`spool ${env.queueId}: not a submitted message`);
  const recipients: Array<{ recipient: string; route: 'local' | 'remote' }> = [];
  const seen = new Set<string>();
  for (const r of env.envelope.rcptTo) {
    const at = r.lastIndexOf('@');
    const address = `${r.slice(0, at)}@${domainToASCII(r.slice(at + 1).toLowerCase())}`;
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    const local = (await domainAcceptance(db, address.slice(at + 1))) === 'verified';
    recipients.push({ recipient: address, route: local ? 'local' : 'remote' });
  }
  await insertOutbound(
    db,
    {
      queue_id: env.queueId,
      tenant_id: s.tenantId,
      account_id: s.accountId,
      username: s.username,
      mail_from: env.envelope.mailFrom,
      message_id: env.messageId,
      size_bytes: env.sizeBytes,
      status: 'queued',
      hold_reason: null,
      hold_detail: null,
      released_by: null,
      released_at: null,
      attempts: 0,
      last_error: null,
      created_at: env.receivedAt,
      updated_at: env.receivedAt,
    },
    recipients,
  );
}
