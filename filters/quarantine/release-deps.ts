import fs from 'node:fs';
import type { Services } from '../../platform/context';
import type { AntivirusVerdict, SpamVerdict } from '../verdicts';
import { scanWithClamd } from '../scan/clamd';
import { scoreWithRspamd } from '../scan/rspamd';
import { deliverToMailbox } from '../delivery/lmtp';
import { headerInMailbox, RELEASE_ID_HEADER } from '../delivery/mailbox-check';

/**
 * What a release needs from the inbound pipeline's side of filters/: the scanners (filters/scan) and
 * the delivery into a mailbox (filters/delivery). Passed in, so a test can fake one; the default is
 * the real pair.
 */
export interface ReleaseDeps {
  scan(
    services: Services,
    file: string,
    envelope: { mailFrom: string; recipient: string; queueId: string },
  ): Promise<{ av: AntivirusVerdict; spam: SpamVerdict }>;
  /** delivers the message at `file` to the recipient's INBOX */
  deliver(
    services: Services,
    input: { recipient: string; file: string; mailFrom: string; headers: Record<string, string> },
  ): Promise<{ ok: true } | { ok: false; response: string }>;
  /** is the release of this quarantine row already in the mailbox's INBOX (an earlier attempt got that far)? */
  alreadyDelivered(services: Services, input: { mailbox: string; quarantineId: string }): Promise<boolean>;
}

export const defaultReleaseDeps: ReleaseDeps = {
  async scan(services, file, envelope) {
    const sizeBytes = (await fs.promises.stat(file)).size;
    const [av, spam] = await Promise.all([
      scanWithClamd(services.config.clamd, file),
      scoreWithRspamd(services.config.rspamdUrl, {
        queueId: envelope.queueId,
        path: file,
        sizeBytes,
        // the original client is long gone: rspamd scores the content as from a local release
        envelope: {
          mailFrom: envelope.mailFrom,
          rcptTo: [envelope.recipient],
          clientAddress: '127.0.0.1',
          heloName: 'quarantine.release',
          secure: true,
        },
        receivedAt: new Date().toISOString(),
      }),
    ]);
    return { av, spam };
  },
  async deliver(services, input) {
    const [outcome] = await deliverToMailbox(services, {
      recipients: [input.recipient],
      source: input.file,
      mailFrom: input.mailFrom,
      headers: input.headers,
    });
    return outcome?.status === 'delivered' ? { ok: true } : { ok: false, response: outcome?.response ?? 'no answer for the recipient' };
  },
  alreadyDelivered(services, input) {
    return headerInMailbox(
      services.config.dovecot,
      input.mailbox,
      { name: RELEASE_ID_HEADER, value: input.quarantineId },
      ['INBOX'],
      services.logger,
    );
  },
};
