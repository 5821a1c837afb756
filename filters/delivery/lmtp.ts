import type { Services } from '../../platform/context';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { openWithHeaders, type MessageSource } from './message-source';

/**
 * Final delivery into Dovecot over LMTP, one transaction for many recipients, with an answer per
 * recipient: a message for three recipients can be taken for two and deferred for one. A folder other
 * than the INBOX is reached through Dovecot's `lmtp_save_to_detail_mailbox` (stack/conf/dovecot):
 * RCPT TO <user+Junk@domain> saves into the folder "Junk" of user@domain.
 */
export interface RecipientOutcome {
  recipient: string;
  status: 'delivered' | 'deferred' | 'failed';
  /** Dovecot's own words when it did not take it (or the connection error) */
  response?: string;
  code?: number;
}

export interface DeliverToMailboxInput {
  /** account addresses (Dovecot users) */
  recipients: string[];
  source: MessageSource;
  /** a folder name without the delimiter, e.g. 'Junk'; default the INBOX */
  folder?: string;
  /** envelope sender; default the null sender */
  mailFrom?: string;
  /** header lines put in front of the message (Received, X-Spam-*, X-Postwerk-Queue-ID) */
  headers?: Record<string, string>;
}

const withDetail = (address: string, folder: string) => {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+${folder}${address.slice(at)}`;
};

export async function deliverToMailbox(services: Pick<Services, 'config'>, input: DeliverToMailboxInput): Promise<RecipientOutcome[]> {
  const folder = input.folder && input.folder !== 'INBOX' ? input.folder : null;
  // the detail keeps its case (Dovecot's folder names are case-sensitive); answers are matched without case
  const lmtpAddresses = input.recipients.map((r) => (folder ? withDetail(r, folder) : r));
  const byLmtpAddress = new Map(lmtpAddresses.map((a, i) => [a.toLowerCase(), input.recipients[i]!]));
  let result;
  try {
    result = await deliverLmtp(
      services.config.dovecot,
      { from: input.mailFrom ?? '', to: lmtpAddresses },
      openWithHeaders(input.source, input.headers),
    );
  } catch (e) {
    const err = e as { message?: string; responseCode?: number; response?: string };
    // the transaction did not complete: nobody got it; 5xx for the whole message is Dovecot refusing the content
    const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500;
    return input.recipients.map((recipient) => ({
      recipient,
      status: permanent ? 'failed' : 'deferred',
      response: String(err.response ?? err.message ?? e).slice(0, 500),
      ...(err.responseCode ? { code: err.responseCode } : {}),
    }));
  }
  const outcomes = new Map<string, RecipientOutcome>();
  for (const a of result.accepted) {
    const r = byLmtpAddress.get(a.toLowerCase());
    if (r) outcomes.set(r, { recipient: r, status: 'delivered' });
  }
  for (const rej of result.rejected) {
    const r = byLmtpAddress.get(rej.recipient.toLowerCase());
    if (!r) continue;
    const code = rej.code ?? Number(/^\d{3}/.exec(rej.response)?.[0] ?? 451);
    outcomes.set(r, { recipient: r, status: code >= 500 ? 'failed' : 'deferred', response: rej.response.slice(0, 500), code });
  }
  // a recipient in neither list: no answer seen, so not known to be delivered
  return input.recipients.map((r) => outcomes.get(r) ?? { recipient: r, status: 'deferred', response: 'no answer from the LMTP server' });
}
