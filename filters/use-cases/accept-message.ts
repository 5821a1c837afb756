import type { Readable } from 'node:stream';
import { nowIso } from '../../platform/db';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { processInboundJob } from '../jobs';
import { insertAccepted } from '../repositories/messages';
import { newQueueId } from '../spool/queue-id';
import { screenAtData } from './screen-at-data';
import { SpoolSizeExceeded, type Spool, type SpoolEnvelope, type SpoolTarget } from '../spool/spool';

export interface AcceptMessageInput {
  stream: Readable;
  mailFrom: string;
  /** RCPT TO addresses in the order given, each with the targets checkRecipient answered for it */
  recipients: Array<{ address: string; targets: SpoolTarget[] }>;
  clientAddress: string;
  heloName: string;
  secure: boolean;
  maxBytes: number;
  /** how long MAIL FROM waited for the pipeline's backlog (inflow pacing), when it did */
  pacedMs?: number;
}

export type AcceptDeps = Pick<Services, 'config' | 'db' | 'queue' | 'logger'> & { spool: Spool };

/**
 * End of DATA: when every recipient's tenant rejects spam, the message is scored first (screenAtData:
 * a 550 and nothing stored). Then the message becomes durable (spool commit: fsync, rename, fsync of the folder) and only
 * then the caller may answer 250 with the queue id. A size overrun throws payload_too_large and a client
 * gone mid-DATA the stream's error; in both cases nothing is left behind. The database rows and the job
 * follow the commit; when either fails the message is still safe in the spool, and the spool sweep writes
 * the rows and the job from the sidecar.
 */
export async function acceptMessage(deps: AcceptDeps, input: AcceptMessageInput): Promise<{ queueId: string; sizeBytes: number }> {
  const queueId = newQueueId();
  let received;
  try {
    received = await deps.spool.receive(queueId, input.stream, input.maxBytes);
  } catch (e) {
    if (e instanceof SpoolSizeExceeded) throw new AppError('payload_too_large', `Message exceeds fixed maximum message size ${e.limit}`);
    throw e;
  }
  const seen = new Set<string>();
  const targets: SpoolTarget[] = [];
  for (const r of input.recipients) {
    for (const t of r.targets) {
      // one copy per account, even when the message names it twice (an alias and its address)
      if (!seen.has(t.accountId)) targets.push(t);
      seen.add(t.accountId);
    }
  }
  const envelope: SpoolEnvelope = {
    queueId,
    sizeBytes: received.sizeBytes,
    receivedAt: nowIso(),
    messageId: received.messageId,
    envelope: {
      mailFrom: input.mailFrom,
      rcptTo: input.recipients.map((r) => r.address),
      clientAddress: input.clientAddress,
      heloName: input.heloName,
      secure: input.secure,
    },
    targets,
    ...(input.pacedMs ? { pacedMs: input.pacedMs } : {}),
  };
  try {
    // reject at DATA (a tenant's reject band): refused before anything is stored
    const inlineSpam = await screenAtData(deps, { path: received.path, envelope });
    if (inlineSpam) envelope.inlineSpam = inlineSpam;
  } catch (e) {
    await received.discard();
    throw e;
  }
  await received.commit(envelope);
  await recordAcceptance(deps, envelope).catch((e) =>
    deps.logger.warn({ err: (e as Error).message, queueId }, 'accepted message not recorded yet; the spool sweep will'),
  );
  return { queueId, sizeBytes: received.sizeBytes };
}

/** Rows and job of a spooled message; repeating it is harmless (the sweep does, after a crash). */
export async function recordAcceptance(deps: Pick<Services, 'db' | 'queue'>, env: SpoolEnvelope): Promise<void> {
  await recordRows(deps.db, env);
  await deps.queue.enqueue(processInboundJob, { queueId: env.queueId });
}

/** The database rows of a spooled message, from its sidecar (nothing when they exist). */
export async function recordRows(db: Services['db'], env: SpoolEnvelope): Promise<void> {
  await insertAccepted(db, {
    queueId: env.queueId,
    messageId: env.messageId,
    mailFrom: env.envelope.mailFrom,
    clientAddress: env.envelope.clientAddress,
    helo: env.envelope.heloName,
    secure: env.envelope.secure,
    sizeBytes: env.sizeBytes,
    receivedAt: env.receivedAt,
    targets: env.targets,
    inlineSpam: env.inlineSpam,
    pacedMs: env.pacedMs,
  });
}
