import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type DKIM from 'nodemailer/lib/dkim';
import type { Transporter } from 'nodemailer';
import { DELIVERY_TIMEOUT_MS } from '../limits';
import type { RecipientOutcome } from './lmtp';
import { openWithHeaders, type MessageSource } from './message-source';

/**
 * Relays a message over SMTP to another server: a migrating account's old server until its cut-over.
 * TLS when the server offers it, its certificate not checked (old servers often have a self-signed one,
 * and the relay host is configured by the platform's engineers, not by the sender).
 */
export async function relaySmtp(
  target: { host: string; port: number },
  input: { mailFrom: string; recipients: string[]; source: MessageSource; headers?: Record<string, string>; heloName: string },
  /**
   * The outbound path's smarthost and MX delivery (filters/outbound/delivery/send-remote.ts): TLS mode,
   * certificate check, login and DKIM signing (nodemailer's own signer, over the streamed message).
   */
  transportOptions: SMTPTransport.Options = {},
): Promise<RecipientOutcome[]> {
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: false,
    name: input.heloName,
    tls: { rejectUnauthorized: false },
    connectionTimeout: DELIVERY_TIMEOUT_MS,
    greetingTimeout: DELIVERY_TIMEOUT_MS,
    socketTimeout: DELIVERY_TIMEOUT_MS,
    ...transportOptions,
  });
  try {
    return await sendThrough(transport, input);
  } finally {
    transport.close();
  }
}

/**
 * One transaction over a transport the caller keeps (the outbound smarthost's pooled connections),
 * optionally DKIM-signed for this message; the outcome per recipient as relaySmtp answers it.
 */
export async function sendThrough(
  transport: Transporter,
  input: { mailFrom: string; recipients: string[]; source: MessageSource; headers?: Record<string, string>; dkim?: DKIM.Options },
): Promise<RecipientOutcome[]> {
  try {
    const info = await transport.sendMail({
      envelope: { from: input.mailFrom, to: input.recipients },
      raw: openWithHeaders(input.source, input.headers) as unknown as Buffer,
      ...(input.dkim ? { dkim: input.dkim } : {}),
    });
    const accepted = new Set((info.accepted as string[]).map((a) => String(a).toLowerCase()));
    const rejected = new Map(
      ((info as { rejectedErrors?: Array<{ recipient?: string; response?: string; responseCode?: number }> }).rejectedErrors ?? []).map(
        (e) => [String(e.recipient ?? '').toLowerCase(), e],
      ),
    );
    return input.recipients.map((r) => {
      if (accepted.has(r.toLowerCase())) return { recipient: r, status: 'delivered' as const };
      const e = rejected.get(r.toLowerCase());
      const code = e?.responseCode ?? 451;
      return {
        recipient: r,
        status: code >= 500 ? ('failed' as const) : ('deferred' as const),
        response: String(e?.response ?? 'not accepted'),
        code,
      };
    });
  } catch (e) {
    const err = e as {
      message?: string;
      responseCode?: number;
      response?: string;
      rejectedErrors?: Array<{ recipient?: string; response?: string; responseCode?: number }>;
    };
    const per = new Map((err.rejectedErrors ?? []).map((r) => [String(r.recipient ?? '').toLowerCase(), r]));
    return input.recipients.map((r) => {
      const one = per.get(r.toLowerCase());
      const code = one?.responseCode ?? err.responseCode;
      return {
        recipient: r,
        status: typeof code === 'number' && code >= 500 ? ('failed' as const) : ('deferred' as const),
        response: String(one?.response ?? err.response ?? err.message ?? e).slice(0, 500),
        ...(code ? { code } : {}),
      };
    });
  }
}
