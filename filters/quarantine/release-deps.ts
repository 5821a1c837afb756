import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import type { AntivirusVerdict, SpamVerdict } from '../verdicts';

/**
 * What a release needs from the inbound pipeline's side of filters/: the scanners (filters/scan) and
 * the delivery into a mailbox (filters/delivery). Passed in, so unit tests can fake them; the default
 * is the real pair.
 */
export interface ReleaseDeps {
  scan(
    services: Services,
    file: string,
    envelope: { mailFrom: string; recipient: string },
  ): Promise<{ av: AntivirusVerdict; spam: SpamVerdict }>;
  /** delivers the message at `file` to the recipient's INBOX; throws or reports the refusal */
  deliver(services: Services, input: { recipient: string; file: string; mailFrom: string }): Promise<{ ok: true } | { ok: false; response: string }>;
}

export const defaultReleaseDeps: ReleaseDeps = {
  async scan() {
    throw new AppError('unavailable', 'the scanners are not wired into the quarantine yet');
  },
  async deliver() {
    throw new AppError('unavailable', 'delivery is not wired into the quarantine yet');
  },
};
