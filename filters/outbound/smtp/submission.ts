import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Services } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { SMTP_CLOSE_TIMEOUT_MS, SMTP_SOCKET_TIMEOUT_MS } from '../../limits';
import { smtpError } from '../../smtp/replies';
import { ingressTls } from '../../smtp/tls';
import type { Spool } from '../../spool/spool';
import { MAX_SUBMISSION_RECIPIENTS } from '../limits';
import { acceptSubmission } from '../use-cases/accept-submission';
import { authenticateSubmitter, type Submitter } from '../use-cases/authenticate-submitter';
import { checkSender } from '../use-cases/check-sender';

/**
 * Submission (RFC 6409) for the platform's accounts: one listener with STARTTLS (AUTH only after it)
 * and one with implicit TLS (RFC 8314). AUTH PLAIN and LOGIN; MAIL FROM must be the account or one of
 * its aliases; at most MAX_SUBMISSION_RECIPIENTS per message. The hooks are adapters over the use cases;
 * what they throw becomes the reply in filters/smtp/replies.ts.
 */
export interface Submission {
  host: string;
  port: number;
  tlsPort: number;
  close(): Promise<void>;
}

export type SubmissionDeps = Pick<Services, 'config' | 'db' | 'logger' | 'queue' | 'redis'> & { outboundSpool: Spool };

export async function startSubmission(
  deps: SubmissionDeps,
  opts: { host?: string; port?: number; tlsPort?: number } = {},
): Promise<Submission> {
  const { config } = deps;
  const log = deps.logger.child({ role: 'submission' });
  const tls = await ingressTls(config);
  const perClient = new Map<string, number>();
  const counted = new Set<string>();

  const options = (secure: boolean): SMTPServerOptions => ({
    secure,
    name: config.smtp.hostname,
    banner: 'Postwerk ESMTP submission',
    key: tls.key,
    cert: tls.cert,
    size: config.smtp.maxMessageBytes,
    authMethods: ['PLAIN', 'LOGIN'],
    // MAIL FROM answers 554 5.7.1 itself (smtp-server's own answer would be 530)
    authOptional: true,
    // AUTH only inside TLS: smtp-server answers "538 5.7.11 Must issue a STARTTLS command first"
    allowInsecureAuth: false,
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
      if (!counted.delete(session.id)) return;
      const n = (perClient.get(session.remoteAddress) ?? 1) - 1;
      if (n <= 0) perClient.delete(session.remoteAddress);
      else perClient.set(session.remoteAddress, n);
    },
    onAuth(auth, session, callback) {
      authenticateSubmitter(deps, { username: auth.username ?? '', password: auth.password ?? '', clientAddress: session.remoteAddress })
        .then((user) => callback(null, { user }))
        .catch((e) => {
          if (!(e instanceof AppError)) log.error({ err: (e as Error).message }, 'AUTH failed');
          else log.info({ ip: session.remoteAddress, code: e.code }, 'AUTH refused');
          callback(smtpError(e));
        });
    },
    onMailFrom(address, session, callback) {
      checkSender(deps, submitterOf(session), address.address)
        .then(() => callback())
        .catch((e) => callback(smtpError(e)));
    },
    onRcptTo(address, session, callback) {
      if (!submitterOf(session)) return callback(smtpError(new AppError('relay_denied', 'Authentication required')));
      if (session.envelope.rcptTo.length >= MAX_SUBMISSION_RECIPIENTS) {
        return callback(
          smtpError(new AppError('too_many_recipients', `Too many recipients (at most ${MAX_SUBMISSION_RECIPIENTS} per message)`)),
        );
      }
      const a = address.address;
      const at = a.lastIndexOf('@');
      if (at <= 0 || at === a.length - 1 || a.length > 320) {
        return callback(smtpError(new AppError('validation_failed', 'Recipient address must be user@domain')));
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.on('error', () => undefined);
      const submitter = submitterOf(session);
      if (!submitter) {
        stream.resume();
        return callback(smtpError(new AppError('relay_denied', 'Authentication required')));
      }
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      acceptSubmission(deps, {
        stream,
        submitter,
        mailFrom,
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
        clientAddress: session.remoteAddress,
        heloName: session.hostNameAppearsAs ?? '',
        secure: session.secure,
        maxBytes: config.smtp.maxMessageBytes,
      })
        .then(({ queueId, held }) => {
          log.info({ queueId, account: submitter.username, rcpt: session.envelope.rcptTo.length, held }, 'submitted');
          callback(null, `2.0.0 Ok: queued as ${queueId}`);
        })
        .catch((e) => {
          if (!(e instanceof AppError) && (e as NodeJS.ErrnoException).code !== 'ECONNECTION')
            log.error({ err: (e as Error).message }, 'DATA not accepted');
          callback(smtpError(e));
        });
    },
  });

  const plain = new SMTPServer(options(false));
  const implicit = new SMTPServer(options(true));
  for (const s of [plain, implicit]) s.on('error', (err) => log.warn({ err: err.message }, 'submission server error'));
  const host = opts.host ?? config.outbound.submission.host;
  const listen = (server: SMTPServer, port: number, name: string) =>
    new Promise<number>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new Error(`submission port ${port} on ${host} is already in use (set ${name})`) : e);
      server.server.once('error', onError);
      server.listen(port, host, () => {
        server.server.removeListener('error', onError);
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  const port = await listen(plain, opts.port ?? config.outbound.submission.port, 'POSTWERK_SUBMISSION_PORT');
  const tlsPort = await listen(implicit, opts.tlsPort ?? config.outbound.submission.tlsPort, 'POSTWERK_SUBMISSION_TLS_PORT').catch(
    async (e) => {
      await new Promise<void>((r) => plain.close(() => r()));
      throw e;
    },
  );
  return {
    host,
    port,
    tlsPort,
    close: async () => {
      await Promise.all([plain, implicit].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

function submitterOf(session: SMTPServerSession): Submitter | null {
  return (session.user as Submitter | undefined) ?? null;
}
