import { z } from 'zod';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { decide } from '../policy/decide';
import { loadPolicy } from '../policy/use-cases/load-policy';
import type { FilterPolicy } from '../policy/policy';
import { INLINE_SCAN_BUDGET_MS, INLINE_SCAN_MAX_BYTES } from '../limits';
import { countVerdict, recordEvent } from '../repositories/messages';
import { scoreWithRspamd } from '../scan/rspamd';
import type { SpoolEnvelope } from '../spool/spool';

export const screenAtDataInput = z.object({
  /** the received file, still in spool/tmp (not committed, not acknowledged) */
  path: z.string().min(1),
  envelope: z.custom<SpoolEnvelope>((v) => typeof v === 'object' && v !== null && Array.isArray((v as SpoolEnvelope).targets)),
});
export type ScreenAtDataInput = z.infer<typeof screenAtDataInput>;

export type ScreenDeps = Pick<Services, 'config' | 'db' | 'logger'>;

/** The band a clean message of this score would get from this policy: only `reject` matters here. */
const rejects = (policy: FilterPolicy, mailFrom: string, recipient: string, spam: Parameters<typeof decide>[2]) =>
  decide(policy, { kind: 'clean' }, spam, { mailFrom, recipient, canReject: true }).action === 'reject';

/**
 * Reject at DATA: the spam scan before the DATA reply, for a message whose every recipient's tenant
 * has a reject band. Throws `message_rejected` (550 5.7.1) when every recipient's policy rejects the
 * score — then nothing is stored, and the refusal is in the trace and the counters. Returns otherwise,
 * and the message is spooled and accepted as usual:
 * - a recipient whose policy has no reject band (mixed recipients): no inline scan, the worker decides
 *   per recipient (a reject band there quarantines: the 250 has been sent);
 * - rspamd down, slow (INLINE_SCAN_BUDGET_MS) or the message too big (INLINE_SCAN_MAX_BYTES): accepted,
 *   and the worker quarantines reject-level spam;
 * - the allow list of one recipient's tenant lets the sender through: accepted.
 * Antivirus is not asked here: the worker scans every accepted message before any delivery.
 * Returns the verdict of an accepted message that was scored, so the worker does not score it again.
 */
export async function screenAtData(deps: ScreenDeps, input: ScreenAtDataInput): Promise<SpoolEnvelope['inlineSpam'] | null> {
  const { path, envelope } = screenAtDataInput.parse(input);
  if (!envelope.targets.length || envelope.sizeBytes > INLINE_SCAN_MAX_BYTES) return null;
  const policies = new Map<string, FilterPolicy>();
  for (const t of envelope.targets) if (!policies.has(t.tenantId)) policies.set(t.tenantId, await loadPolicy(deps.db, t.tenantId));
  if (![...policies.values()].every((p) => p.bands.some((b) => b.action === 'reject'))) return null;

  const started = Date.now();
  const { messageId: _m, targets, ...rest } = envelope;
  const spam = await scoreWithRspamd(deps.config.rspamdUrl, { ...rest, path }, { deadlineMs: INLINE_SCAN_BUDGET_MS });
  if (spam.kind === 'unscanned') {
    deps.logger.info({ queueId: envelope.queueId, reason: spam.reason }, 'no scan before the DATA reply; accepted, decided later');
    return null;
  }
  const mailFrom = envelope.envelope.mailFrom;
  if (!targets.every((t) => rejects(policies.get(t.tenantId)!, mailFrom, t.recipient, spam)))
    return { verdict: spam, ms: Date.now() - started };

  const reason = `message refused as spam (score ${spam.score.toFixed(2)})`;
  for (const t of targets) {
    await recordEvent(deps.db, {
      queueId: envelope.queueId,
      messageId: envelope.messageId,
      tenantId: t.tenantId,
      recipient: t.address,
      stage: 'rejected',
      elapsedMs: Date.now() - started,
      detail: { atData: true, reason, score: spam.score, symbols: spam.symbols, from: mailFrom || '<>' },
    });
  }
  for (const tenantId of new Set(targets.map((t) => t.tenantId))) await countVerdict(deps.db, tenantId, 'reject');
  throw new AppError('message_rejected', `Message refused as spam by the recipient's policy`);
}
