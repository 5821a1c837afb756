import { resolveMx } from 'node:dns/promises';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Config } from '../../../platform/config';
import type { RecipientOutcome } from '../../delivery/lmtp';
import type { MessageSource } from '../../delivery/message-source';
import nodemailer, { type Transporter } from 'nodemailer';
import { relaySmtp, sendThrough } from '../../delivery/relay';
import { SMARTHOST_CONNECTIONS, SMARTHOST_TIMEOUT_MS } from '../limits';

type Smarthost = NonNullable<Config['outbound']['smarthost']>;

/**
 * One pool of connections per smarthost setting, kept for the process: a connection (TCP, EHLO,
 * STARTTLS, AUTH) carries many messages instead of one. A connection the smarthost dropped is replaced
 * by the pool; a message whose connection failed is deferred like any other temporary failure.
 */
const pools = new Map<string, Transporter>();
function smarthostTransport(config: Config, s: Smarthost): Transporter {
  const key = JSON.stringify([s, config.smtp.hostname]);
  let t = pools.get(key);
  if (!t) {
    t = nodemailer.createTransport({
      pool: true,
      maxConnections: SMARTHOST_CONNECTIONS,
      maxMessages: 100,
      host: s.host,
      port: s.port,
      name: config.smtp.hostname,
      secure: s.tls === 'implicit',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      tls: { rejectUnauthorized: s.verifyTls, servername: s.host },
      ...(s.user && s.password ? { auth: { user: s.user, pass: s.password } } : {}),
      connectionTimeout: SMARTHOST_TIMEOUT_MS,
      greetingTimeout: SMARTHOST_TIMEOUT_MS,
      socketTimeout: SMARTHOST_TIMEOUT_MS,
    });
    pools.set(key, t);
  }
  return t;
}

/** Closes the smarthost connections (process shutdown, tests). */
export function closeSmarthostPools(): void {
  for (const t of pools.values()) t.close();
  pools.clear();
}

export interface DkimSigner {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * Sends to recipients outside the platform: through the configured smarthost (one transaction for all
 * of them), or, with POSTWERK_OUTBOUND_DELIVERY=mx, to each domain's best MX in turn. DKIM-signed with
 * the sending domain's key. Answers per recipient: sent, deferred (4xx, connection refused, no
 * smarthost) or failed (5xx), in the server's own words.
 */
export async function sendRemote(
  config: Config,
  input: { mailFrom: string; recipients: string[]; source: MessageSource; headers: Record<string, string>; dkim: DkimSigner | null },
): Promise<RecipientOutcome[]> {
  const common: SMTPTransport.Options = {
    connectionTimeout: SMARTHOST_TIMEOUT_MS,
    greetingTimeout: SMARTHOST_TIMEOUT_MS,
    socketTimeout: SMARTHOST_TIMEOUT_MS,
    ...(input.dkim ? { dkim: input.dkim } : {}),
  };
  const send = { mailFrom: input.mailFrom, source: input.source, headers: input.headers, heloName: config.smtp.hostname };
  if (config.outbound.delivery === 'smarthost') {
    const s = config.outbound.smarthost;
    if (!s)
      return input.recipients.map((r) => ({
        recipient: r,
        status: 'deferred',
        response: 'no smarthost configured (POSTWERK_SMARTHOST_HOST)',
      }));
    return sendThrough(smarthostTransport(config, s), {
      ...send,
      recipients: input.recipients,
      ...(input.dkim ? { dkim: input.dkim } : {}),
    });
  }
  // MX: one transaction per recipient domain, to its best MX
  const byDomain = new Map<string, string[]>();
  for (const r of input.recipients) {
    const d = r.slice(r.lastIndexOf('@') + 1).toLowerCase();
    byDomain.set(d, [...(byDomain.get(d) ?? []), r]);
  }
  const out: RecipientOutcome[] = [];
  for (const [domain, recipients] of byDomain) {
    let hosts: string[];
    try {
      const mx = await resolveMx(domain);
      hosts = mx.sort((a, b) => a.priority - b.priority).map((m) => m.exchange);
      if (!hosts.length) hosts = [domain]; // RFC 5321 5.1: no MX, the domain itself
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const permanent = code === 'ENOTFOUND' || code === 'ENODATA';
      for (const r of recipients)
        out.push({
          recipient: r,
          status: permanent ? 'failed' : 'deferred',
          response: `MX lookup of ${domain}: ${code ?? (e as Error).message}`,
        });
      continue;
    }
    let last: RecipientOutcome[] = [];
    for (const host of hosts) {
      last = await relaySmtp(
        { host, port: 25 },
        { ...send, recipients },
        { ...common, tls: { rejectUnauthorized: false, servername: host } },
      );
      // try the next MX only when this one could not be reached or deferred everything
      if (!last.every((o) => o.status === 'deferred')) break;
    }
    out.push(...last);
  }
  return out;
}
