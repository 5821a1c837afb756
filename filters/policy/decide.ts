import { AppError } from '../../platform/errors';
import type { AntivirusVerdict, Decision, SpamVerdict } from '../verdicts';
import { MAX_HEADER_SYMBOLS } from './limits';
import { matchStrength, normalizeSender, type Band, type FilterPolicy } from './policy';

export interface DecideContext {
  /** the envelope sender ('' for the null sender) */
  mailFrom: string;
  recipient: string;
  /** the scan ran before the DATA reply, so a refusal can still reach the sender */
  canReject: boolean;
}

/**
 * What the tenant's policy makes of one message's verdicts, for one recipient. Pure: the pipeline
 * loads the policy (loadPolicy) and acts on the answer.
 *
 * In order:
 * 1. infected → quarantine (reason virus, the signature as detail), whatever the lists or the score say;
 * 2. the sender on the block list → quarantine (blocked_sender); on the allow list → INBOX. When both
 *    match, the more specific entry wins (address over domain over wildcard), and block wins a tie;
 * 3. the spam score's band: deliver, junk, quarantine, reject (only when `canReject`, else
 *    quarantine), or discard (a band only a tenant that chose it explicitly has).
 *
 * An `unscanned` verdict must never get here (the pipeline holds the message and retries the scan):
 * this throws rather than decide anything about a message nobody scanned. The one exception is an
 * infected message with an unscanned spam verdict: it is quarantined without waiting for rspamd.
 */
export function decide(policy: FilterPolicy, av: AntivirusVerdict, spam: SpamVerdict, ctx: DecideContext): Decision {
  if (av.kind === 'unscanned') throw unscanned('antivirus', av.reason);
  if (av.kind === 'infected') return { action: 'quarantine', reason: 'virus', detail: av.signature };
  if (spam.kind === 'unscanned') throw unscanned('spam', spam.reason);

  const listed = senderListMatch(policy, ctx.mailFrom);
  if (listed?.list === 'block') {
    return { action: 'quarantine', reason: 'blocked_sender', detail: `sender ${listed.sender} is on the block list (${listed.pattern})` };
  }
  if (listed?.list === 'allow') return { action: 'deliver', headers: spamHeaders(policy, spam, false, listed.pattern) };

  const band = bandFor(policy.bands, spam.score);
  const action = band?.action ?? 'deliver';
  const score = spam.score.toFixed(2);
  switch (action) {
    case 'deliver':
      return { action: 'deliver', headers: spamHeaders(policy, spam, false) };
    case 'junk':
      return { action: 'junk', headers: spamHeaders(policy, spam, true) };
    case 'quarantine':
      return { action: 'quarantine', reason: 'spam', detail: spamDetail(spam, band!) };
    case 'reject':
      return ctx.canReject
        ? { action: 'reject', reason: `message refused as spam (score ${score})` }
        : { action: 'quarantine', reason: 'spam', detail: `${spamDetail(spam, band!)}; quarantined: the scan ran too late to reject` };
    case 'discard':
      return { action: 'discard', reason: `spam score ${score} in the tenant's discard band (from ${band!.minScore})` };
  }
}

function unscanned(what: string, reason: string): AppError {
  return new AppError(
    'internal',
    `decide() was given an unscanned ${what} verdict (${reason}): the pipeline must hold the message and scan again, never decide without a verdict`,
  );
}

/** The band a score falls in: the last one whose start it reaches; undefined below the first. */
export function bandFor(bands: readonly Band[], score: number): Band | undefined {
  let found: Band | undefined;
  for (const b of bands) if (score >= b.minScore) found = b;
  return found;
}

function firstNonDeliver(bands: readonly Band[]): Band | undefined {
  return bands.find((b) => b.action !== 'deliver');
}

/** The score from which the policy treats mail as spam (X-Spam-Flag): its first non-deliver band, else rspamd's own. */
export function spamThreshold(policy: FilterPolicy, spam: { requiredScore: number }): number {
  return firstNonDeliver(policy.bands)?.minScore ?? spam.requiredScore;
}

function spamDetail(spam: Extract<SpamVerdict, { kind: 'scored' }>, band: Band): string {
  const symbols = spam.symbols.slice(0, MAX_HEADER_SYMBOLS).join(',');
  return `spam score ${spam.score.toFixed(2)} ≥ ${band.minScore} (${band.action} band)${symbols ? `; symbols ${symbols}` : ''}`;
}

/** Header values come from rspamd and the policy: keep them to one line of printable ASCII. */
const headerSafe = (v: string) => v.replace(/[^\x20-\x7e]/g, '').slice(0, 900);

function spamHeaders(
  policy: FilterPolicy,
  spam: Extract<SpamVerdict, { kind: 'scored' }>,
  forceFlag: boolean,
  allowlisted?: string,
): Record<string, string> {
  const required = spamThreshold(policy, spam);
  const isSpam = allowlisted ? false : forceFlag || spam.score >= required;
  const symbols = spam.symbols.slice(0, MAX_HEADER_SYMBOLS).map(headerSafe).join(',');
  const status = [
    isSpam ? 'Yes' : 'No',
    ` score=${spam.score.toFixed(2)}`,
    ` required=${required.toFixed(2)}`,
    ...(symbols ? [` tests=${symbols}`] : []),
    ...(allowlisted ? [` allowlisted=${headerSafe(allowlisted)}`] : []),
  ];
  return {
    'X-Spam-Flag': isSpam ? 'YES' : 'NO',
    'X-Spam-Score': spam.score.toFixed(2),
    'X-Spam-Status': headerSafe(status.join(',')),
    'X-Spam-Action': headerSafe(spam.action),
  };
}

/** The list entry that decides for this sender, if any (most specific wins, block wins a tie). */
export function senderListMatch(
  policy: Pick<FilterPolicy, 'allow' | 'block'>,
  mailFrom: string,
): { list: 'allow' | 'block'; pattern: string; sender: string } | null {
  const sender = normalizeSender(mailFrom);
  if (!sender) return null;
  let best: { list: 'allow' | 'block'; pattern: string; strength: number } | null = null;
  for (const list of ['block', 'allow'] as const) {
    for (const pattern of policy[list]) {
      const strength = matchStrength(pattern, sender);
      if (strength > 0 && (!best || strength > best.strength)) best = { list, pattern, strength };
    }
  }
  return best ? { list: best.list, pattern: best.pattern, sender: sender.address } : null;
}
