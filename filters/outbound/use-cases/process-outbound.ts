import type { Services } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { recordEvent } from '../../repositories/messages';
import { scanWithClamd } from '../../scan/clamd';
import { scoreWithRspamd } from '../../scan/rspamd';
import type { Spool } from '../../spool/spool';
import type { RecipientOutcome } from '../../delivery/lmtp';
import type { JobOutcome } from '../../../platform/queue';
import { sendLocal } from '../delivery/send-local';
import { sendRemote } from '../delivery/send-remote';
import { SPAM_HOLD_ACTIONS } from '../limits';
import {
  findOutbound,
  isFinalRecipient,
  markRecipientsSending,
  recipientsOf,
  transitionOutbound,
  updateOutbound,
  updateRecipient,
} from '../repositories/outbound';
import type { ProcessOutboundPayload } from '../jobs';
import { recordSubmissionRows } from './accept-submission';
import { signingKeyOf } from './dkim-keys';
import { holdOutbound } from './hold-outbound';
import { sendBounce, type FailedRecipient } from './send-bounce';

export type OutboundDeps = Pick<Services, 'config' | 'db' | 'doveadm' | 'logger' | 'queue'> & {
  outboundSpool: Spool;
  spool: Spool;
  /**
   * false: no antivirus and spam scan (the submission benchmark's "filters off" phase, wired in its own
   * worker; no configuration turns egress filtering off).
   */
  egressScan?: boolean;
};

/** Thrown to have the job retried with its backoff (a scanner down, a deferred recipient). */
export class NotSentYet extends Error {}

/**
 * The outbound pipeline of one message, re-entrant like the inbound one:
 * 1. held at DATA (rate limit) → hold (notification, audit, optional suspension) and stop;
 * 2. clamd: infected → held (virus); rspamd, told it is outbound (`User`: the authenticated account):
 *    an action of SPAM_HOLD_ACTIONS → held (spam). Down = retry, never sent unscanned. A message released
 *    by an admin is not held again for rate or spam (it is still scanned for viruses);
 * 3. per recipient: a platform domain → the inbound path (sendLocal); elsewhere → the smarthost or MX,
 *    DKIM-signed with the sending domain's key (sendRemote). Each recipient is marked `sending` first;
 * 4. recipients that failed for good (5xx, or the retry period over) get one RFC 3464 report to the
 *    sender (use-cases/send-bounce.ts, through the inbound path, with the null sender);
 * 5. deferred recipients are retried with the job's backoff (and then by the sweep) until
 *    POSTWERK_OUTBOUND_RETRY_HOURS after acceptance, then failed. When every recipient is final the
 *    message leaves the spool (to spool/outbound/failed when one failed).
 */
export async function processOutbound(deps: OutboundDeps, payload: ProcessOutboundPayload): Promise<JobOutcome> {
  const { queueId } = payload;
  const spooled = await deps.outboundSpool.read(queueId);
  let row = await findOutbound(deps.db, queueId);
  if (!row && spooled) {
    await recordSubmissionRows(deps.db, spooled.envelope);
    row = await findOutbound(deps.db, queueId);
  }
  if (!row) return { status: 'skipped', detail: 'not in the outbound spool' };
  if (row.status === 'deleted' || row.status === 'done') {
    if (spooled) await deps.outboundSpool.remove(queueId);
    return { status: 'skipped', detail: row.status };
  }
  if (row.status === 'held') return { status: 'skipped', detail: 'held' };
  if (!spooled) {
    // the rows say queued but the file is gone (removed by hand): nothing left to send
    await updateOutbound(deps.db, queueId, { status: 'done', last_error: 'spool file missing', updated_at: nowIso() });
    deps.logger.error({ queueId }, 'outbound message queued but missing from the spool');
    return { status: 'skipped', detail: 'spool file missing' };
  }
  const { message, envelope } = spooled;
  const released = Boolean(row.released_at);
  const base = { queueId, messageId: row.message_id, tenantId: row.tenant_id, receivedAt: row.created_at };

  if (!released && envelope.submission?.hold) {
    await holdOutbound(deps, row, envelope.submission.hold);
    return { status: 'done', detail: 'held' };
  }

  const scan = deps.egressScan !== false;
  const av = scan ? await scanWithClamd(deps.config.clamd, message.path) : ({ kind: 'clean' } as const);
  if (av.kind === 'unscanned') throw new NotSentYet(`antivirus: ${av.reason}`);
  if (av.kind === 'infected') {
    await holdOutbound(deps, row, { reason: 'virus', detail: av.signature });
    return { status: 'done', detail: 'held (virus)' };
  }
  if (!released && scan) {
    const spam = await scoreWithRspamd(deps.config.rspamdUrl, message, { user: row.username });
    if (spam.kind === 'unscanned') throw new NotSentYet(`spam scan: ${spam.reason}`);
    await recordEvent(deps.db, { ...base, stage: 'scanned', detail: { av: av.kind, score: spam.score, action: spam.action } });
    if (SPAM_HOLD_ACTIONS.includes(spam.action)) {
      await holdOutbound(deps, row, { reason: 'spam', detail: `rspamd ${spam.action} (score ${spam.score})` });
      return { status: 'done', detail: 'held (spam)' };
    }
  }

  const recipients = (await recipientsOf(deps.db, queueId)).filter((r) => !isFinalRecipient(r.status));
  const now = nowIso();
  await updateOutbound(deps.db, queueId, { attempts: row.attempts + 1, updated_at: now });
  await markRecipientsSending(
    deps.db,
    queueId,
    recipients.map((r) => r.recipient),
    now,
  );
  const outcomes: RecipientOutcome[] = [];
  const local = recipients.filter((r) => r.route === 'local').map((r) => r.recipient);
  const remote = recipients.filter((r) => r.route === 'remote').map((r) => r.recipient);
  const received = `from ${envelope.envelope.heloName || 'unknown'} ([${envelope.envelope.clientAddress.replace(/^::ffff:/, '')}]) by ${deps.config.smtp.hostname} (Postwerk) with ESMTPSA id ${queueId}; ${new Date(row.created_at).toUTCString()}`;
  if (local.length) {
    const r = await sendLocal(
      { ...deps, spool: deps.spool },
      {
        path: message.path,
        mailFrom: row.mail_from,
        recipients: local,
        sizeBytes: row.size_bytes,
        clientAddress: envelope.envelope.clientAddress,
        heloName: envelope.envelope.heloName,
      },
    );
    outcomes.push(...r.outcomes);
  }
  if (remote.length) {
    const domain = row.mail_from.slice(row.mail_from.lastIndexOf('@') + 1);
    const dkim = await signingKeyOf(deps, domain);
    outcomes.push(
      ...(await sendRemote(deps.config, {
        mailFrom: row.mail_from,
        recipients: remote,
        source: message.path,
        headers: { Received: received },
        dkim,
      })),
    );
  }

  const expired = Date.now() - Date.parse(row.created_at) > deps.config.outbound.retryMs;
  let deferred = 0;
  let failed = 0;
  const failedNow: FailedRecipient[] = [];
  for (const o of outcomes) {
    const status = o.status === 'delivered' ? 'sent' : o.status === 'failed' || expired ? 'failed' : 'deferred';
    if (status === 'deferred') deferred++;
    if (status === 'failed') {
      failed++;
      failedNow.push({ recipient: o.recipient, response: o.response ?? 'failed' });
    }
    const why = o.status === 'deferred' && expired ? `retry period over; last answer: ${o.response ?? ''}` : (o.response ?? null);
    await updateRecipient(deps.db, queueId, o.recipient, {
      status,
      last_code: o.code ?? null,
      last_error: status === 'sent' ? null : (why ?? '').slice(0, 1000),
      updated_at: nowIso(),
    });
    await recordEvent(deps.db, { ...base, recipient: o.recipient, stage: status, detail: { response: (o.response ?? '').slice(0, 300) } });
  }
  // RFC 3464 report to the sender for the recipients that failed for good in this run (once: they are final now)
  if (failedNow.length) await sendBounce(deps, row, message.path, failedNow);
  if (deferred) {
    await updateOutbound(deps.db, queueId, { last_error: outcomes.find((o) => o.status === 'deferred')?.response?.slice(0, 1000) ?? null });
    throw new NotSentYet(`${deferred} recipient(s) deferred`);
  }
  const after = await recipientsOf(deps.db, queueId);
  if (after.every((r) => isFinalRecipient(r.status))) {
    await transitionOutbound(deps.db, queueId, ['queued'], { status: 'done', updated_at: nowIso() });
    if (failed || after.some((r) => r.status === 'failed')) await deps.outboundSpool.moveToFailed(queueId);
    else await deps.outboundSpool.remove(queueId);
  }
  return { status: 'done', detail: { sent: outcomes.length - failed, failed } };
}
