import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { MAX_RECIPIENTS_PER_MESSAGE, SMTP_CLOSE_TIMEOUT_MS, SMTP_SOCKET_TIMEOUT_MS } from '../limits';
import type { Spool, SpoolTarget } from '../spool/spool';
import { acceptMessage } from '../use-cases/accept-message';
import { checkRecipient } from '../use-cases/check-recipient';
import { LiveUsage } from '../../quotas/shared/live-usage';
import { smtpError } from './replies';
import { ingressTls } from './tls';
import { InflowGate } from './inflow';

/**
 * The SMTP ingress (MX for the platform's domains): EHLO, STARTTLS, SIZE, PIPELINING, 8BITMIME,
 * SMTPUTF8, no AUTH (nobody submits through it). The hooks are adapters: RCPT asks checkRecipient, DATA
 * asks acceptMessage; whatever they throw becomes the reply in replies.ts.
 */
export interface Ingress {
  server: SMTPServer;
  port: number;
  host: string;
  close(): Promise<void>;
}

export type IngressDeps = Pick<Services, 'config' | 'db' | 'doveadm' | 'logger' | 'queue'> & { spool: Spool };

export async function startIngress(deps: IngressDeps, opts: { port?: number; host?: string } = {}): Promise<Ingress> {
  const { config, logger } = deps;
  const log = logger.child({ role: 'smtp' });
  const tls = await ingressTls(config);
  const perClient = new Map<string, number>();
  const counted = new Set<string>();
  // RCPT answers per session and recipient: DATA takes those of the current envelope
  const targetsBySession = new Map<string, Map<string, SpoolTarget[]>>();
  // how long the current envelope waited at MAIL FROM (inflow pacing), for its trace
  const pacedBySession = new Map<string, number>();
  // the recipients' usage as Dovecot last said, plus what this ingress accepted since (shared by all sessions)
  const liveUsage = new LiveUsage(deps.doveadm);
  // the pipeline's backlog, shared by all sessions: new messages wait at MAIL FROM while it is too long
  const inflow = new InflowGate(() => deps.queue.waitingCount('filters'), { backlog: config.smtp.inflowBacklog });

  const server = new SMTPServer({
    name: config.smtp.hostname,
    banner: 'Postwerk ESMTP',
    key: tls.key,
    cert: tls.cert,
    size: config.smtp.maxMessageBytes,
    maxRecipients: MAX_RECIPIENTS_PER_MESSAGE,
    authOptional: true,
    disabledCommands: ['AUTH'],
    // our replies carry the exact enhanced code themselves (replies.ts)
    hideENHANCEDSTATUSCODES: true,
    hideDSN: true,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    closeTimeout: SMTP_CLOSE_TIMEOUT_MS,
    logger: false,
    onConnect(session, callback) {
      const ip = session.remoteAddress;
      const n = perClient.get(ip) ?? 0;
      if (n >= config.smtp.maxConnectionsPerClient) {
        log.warn({ ip, open: n }, 'connection limit per client reached');
        return callback(smtpError(new AppError('rate_limited', 'Too many connections from your address, try again later')));
      }
      perClient.set(ip, n + 1);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      targetsBySession.delete(session.id);
      pacedBySession.delete(session.id);
      if (!counted.delete(session.id)) return;
      const n = (perClient.get(session.remoteAddress) ?? 1) - 1;
      if (n <= 0) perClient.delete(session.remoteAddress);
      else perClient.set(session.remoteAddress, n);
    },
    onMailFrom(_address, session, callback) {
      targetsBySession.set(session.id, new Map());
      inflow.pace().then(
        (ms) => {
          if (ms > 0) pacedBySession.set(session.id, ms);
          else pacedBySession.delete(session.id);
          callback();
        },
        () => callback(),
      );
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const declared = Number((session.envelope.mailFrom && (session.envelope.mailFrom.args as Record<string, string>)?.SIZE) || 0);
      checkRecipient(
        { ...deps, liveUsage },
        { address: address.address, declaredSize: Number.isFinite(declared) && declared > 0 ? Math.floor(declared) : 0 },
      )
        .then((targets) => {
          let m = targetsBySession.get(session.id);
          if (!m) targetsBySession.set(session.id, (m = new Map()));
          m.set(address.address, targets);
          callback();
        })
        .catch((e) => {
          if (!(e instanceof AppError)) log.error({ err: (e as Error).message, rcpt: address.address }, 'RCPT check failed');
          callback(smtpError(e));
        });
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const m = targetsBySession.get(session.id) ?? new Map<string, SpoolTarget[]>();
      const recipients = session.envelope.rcptTo.map((r) => ({ address: r.address, targets: m.get(r.address) ?? [] }));
      // stream errors (client gone) are handled by the spool's pipeline; keep one listener so none is unhandled
      stream.on('error', () => undefined);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      acceptMessage(deps, {
        stream,
        mailFrom,
        recipients,
        clientAddress: session.remoteAddress,
        heloName: session.hostNameAppearsAs ?? '',
        secure: session.secure,
        maxBytes: config.smtp.maxMessageBytes,
        pacedMs: pacedBySession.get(session.id),
      })
        .then(({ queueId, sizeBytes }) => {
          for (const r of recipients) for (const t of r.targets) liveUsage.accepted(t.address, sizeBytes);
          log.info({ queueId, from: mailFrom, rcpt: recipients.length, size: sizeBytes, ip: session.remoteAddress }, 'accepted');
          callback(null, `2.0.0 Ok: queued as ${queueId}`);
        })
        .catch((e) => {
          if (!(e instanceof AppError) && (e as NodeJS.ErrnoException).code !== 'ECONNECTION') {
            log.error({ err: (e as Error).message }, 'DATA not accepted');
          }
          callback(smtpError(e));
        });
    },
  });
  server.on('error', (err) => log.warn({ err: err.message }, 'smtp server error'));

  const host = opts.host ?? config.smtp.host;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`SMTP port ${opts.port ?? config.smtp.port} on ${host} is already in use (set POSTWERK_SMTP_PORT)`)
          : e,
      );
    server.server.once('error', onError);
    server.listen(opts.port ?? config.smtp.port, host, () => {
      server.server.removeListener('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    server,
    port,
    host,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
