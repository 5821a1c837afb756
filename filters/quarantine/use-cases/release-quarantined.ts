import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import type { Ctx } from '../../../platform/context';
import { nowIso } from '../../../platform/db';
import { inTransaction } from '../../../platform/db/transaction';
import { AppError, conflict, forbidden } from '../../../platform/errors';
import { recordEvent } from '../../repositories/messages';
import { loadPolicy } from '../../policy/use-cases/load-policy';
import { addSenderEntryIn } from '../../policy/use-cases/sender-lists';
import { normalizeSender } from '../../policy/policy';
import type { AntivirusVerdict, SpamVerdict } from '../../verdicts';
import { transition, type QuarantineRow } from '../repositories/quarantine';
import { unsealToFile } from '../store/sealed-file';
import { learnHam, type LearnOutcome } from '../rspamd-learn';
import { STALE_RELEASE_MS } from '../limits';
import { defaultReleaseDeps, type ReleaseDeps } from '../release-deps';
import { loadQuarantined, presentQuarantined, type QuarantinedMessage } from './view';
import { removeQuarantineFile } from './delete-quarantined';
import { RELEASE_ID_HEADER } from '../../delivery/mailbox-check';
import { findAccountById } from '../../../tenancy/repositories/accounts';

export const releaseQuarantinedInput = z.strictObject({
  tenantId: z.uuid(),
  quarantineId: z.uuid(),
  /** also put the sender's address on the tenant's allow list */
  allowSender: z.boolean().default(false),
  /** also teach rspamd that this message was ham */
  learnHam: z.boolean().default(false),
});
export type ReleaseQuarantinedInput = z.input<typeof releaseQuarantinedInput>;

export interface ReleaseResult {
  message: QuarantinedMessage;
  rescan: { av: AntivirusVerdict; spam: SpamVerdict };
  allowListed: string | null;
  learned: LearnOutcome | null;
}

/**
 * Releases a quarantined message into the recipient's INBOX.
 *
 * 1. Who may: quarantine.release, the tenant's scope, and then the tenant's release policy for the
 *    message's reason (e.g. a virus needs an operator): refused with 403 otherwise.
 * 2. One release at a time: the row moves held → releasing first; a second caller gets 409. A release
 *    that died midway may be started again after STALE_RELEASE_MS.
 * 2a. Exactly once: the delivered copy carries X-Postwerk-Release-ID (the row's id). Before delivering,
 *    the INBOX is searched for it; when an earlier attempt delivered but died (or failed) before
 *    recording, the release is recorded without a second delivery.
 * 3. It is scanned again: still infected → refused (409, nothing is delivered, whoever asks); a scanner
 *    down → 503, still held. The spam score is recorded but does not stop a release.
 * 4. Delivered to the INBOX; then, in one transaction, the row is marked released, the release is
 *    audited, the sender optionally allow-listed, and the message's history gets stage `released`.
 * 5. After that: rspamd optionally learns it as ham (a failure is reported, not thrown: the release
 *    happened), and the sealed file is removed; the row stays, as `released`, until it expires.
 */
export async function releaseQuarantined(
  ctx: Ctx,
  input: ReleaseQuarantinedInput,
  deps: ReleaseDeps = defaultReleaseDeps,
): Promise<ReleaseResult> {
  const p = releaseQuarantinedInput.parse(input);
  const row = await loadQuarantined(ctx, ctx.db, 'quarantine.release', p.tenantId, p.quarantineId);
  if (row.status === 'released')
    throw conflict(`quarantined message ${row.id} was already released (${row.status_at} by ${row.released_by})`);
  const policy = await loadPolicy(ctx.db, p.tenantId);
  const needed = policy.releasePolicy[row.reason];
  if (needed === 'operator' && ctx.actor.role !== 'operator')
    throw forbidden(`a message quarantined for ${row.reason} may be released by an operator only (the tenant's release policy)`);

  const claimedAt = nowIso();
  const claimed = await transition(
    ctx.db,
    row.id,
    { status: ['held', 'releasing'], staleBefore: new Date(Date.now() - STALE_RELEASE_MS).toISOString() },
    { status: 'releasing', at: claimedAt },
  );
  if (!claimed) throw conflict(`quarantined message ${row.id} is being released right now`);

  const work = path.join(ctx.config.quarantineDir, '.release');
  const plain = path.join(work, `${row.id}-${randomBytes(4).toString('hex')}.eml`);
  let released: QuarantineRow | undefined;
  try {
    await fs.promises.mkdir(work, { recursive: true, mode: 0o700 });
    await unsealToFile(ctx.config.secretKey, path.join(ctx.config.quarantineDir, row.file), row.id, plain);
    const rescan = await deps.scan(ctx, plain, { mailFrom: row.sender, recipient: row.recipient, queueId: row.queue_id });
    if (rescan.av.kind === 'infected')
      throw conflict(`the message is still infected (${rescan.av.signature}): it is never delivered`, { signature: rescan.av.signature });
    if (rescan.av.kind === 'unscanned' || rescan.spam.kind === 'unscanned')
      throw new AppError(
        'unavailable',
        `the message could not be scanned again (${rescan.av.kind === 'unscanned' ? rescan.av.reason : (rescan.spam as { reason: string }).reason}); try again later`,
      );

    const spamScore = rescan.spam.score;
    const mailbox = (row.account_id && (await findAccountById(ctx.db, row.account_id))?.address) || row.recipient;
    const earlier = await deps.alreadyDelivered(ctx, { mailbox, quarantineId: row.id });
    if (earlier) ctx.logger.info({ quarantineId: row.id }, 'release: an earlier attempt delivered it; recording only');
    else {
      const delivered = await deps.deliver(ctx, {
        recipient: row.recipient,
        file: plain,
        mailFrom: row.sender,
        headers: {
          [RELEASE_ID_HEADER]: row.id,
          'X-Postwerk-Released': `quarantine ${row.id} by ${ctx.actor.label.replace(/[^\x20-\x7e]/g, '')} at ${claimedAt}`,
        },
      });
      if (!delivered.ok)
        throw new AppError('unavailable', `the mail server refused the message: ${delivered.response}`, { response: delivered.response });
    }

    const sender = p.allowSender ? normalizeSender(row.sender) : null;
    if (p.allowSender && !sender)
      ctx.logger.warn({ quarantineId: row.id }, 'release: the null or an unusable sender cannot be allow-listed');
    const at = nowIso();
    const after: QuarantineRow = { ...row, status: 'released', status_at: at, released_by: ctx.actor.label };
    await inTransaction(ctx.db, async ({ trx }) => {
      await transition(trx, row.id, { status: ['releasing'] }, { status: 'released', at, releasedBy: ctx.actor.label });
      await appendAudit(trx, ctx.actor, {
        action: 'quarantine.released',
        tenantId: row.tenant_id,
        target: { type: 'quarantined_message', id: row.id },
        before: presentQuarantined(row),
        after: {
          ...presentQuarantined(after),
          rescan: { av: rescan.av, spam: rescan.spam },
          allowSender: p.allowSender,
          learnHam: p.learnHam,
        },
      });
      if (sender)
        await addSenderEntryIn(trx, ctx.actor, {
          tenantId: row.tenant_id,
          list: 'allow',
          pattern: sender.address,
          note: `released from quarantine ${row.id}`,
        });
      await recordEvent(trx, {
        queueId: row.queue_id,
        messageId: row.message_id || null,
        tenantId: row.tenant_id,
        recipient: row.recipient,
        stage: 'released',
        at,
        detail: {
          quarantineId: row.id,
          by: ctx.actor.label,
          folder: 'INBOX',
          deliveredEarlier: earlier,
          rescan: { av: rescan.av.kind, spamScore },
        },
      });
    });
    released = after;
    const learned = p.learnHam ? await learnHam(ctx.config.rspamdController, plain) : null;
    if (learned?.status === 'failed')
      ctx.logger.warn({ quarantineId: row.id, err: learned.error }, 'release: rspamd did not learn the message as ham');
    await removeQuarantineFile(ctx, row.file);
    return { message: presentQuarantined(after), rescan, allowListed: sender?.address ?? null, learned };
  } catch (e) {
    // nothing delivered, or delivered and not recorded: either way the message stays held and may be
    // released again (the INBOX check above then records the earlier delivery instead of repeating it)
    if (!released) await transition(ctx.db, row.id, { status: ['releasing'] }, { status: 'held', at: nowIso() }).catch(() => undefined);
    throw e;
  } finally {
    await fs.promises.rm(plain, { force: true }).catch(() => undefined);
  }
}
