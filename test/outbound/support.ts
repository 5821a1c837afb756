import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { openOutboundSpool, PIPELINE_CONCURRENCY, startSpoolSweep, startSubmission, type Submission } from '../../filters';
import { closeSmarthostPools } from '../../filters/outbound/delivery/send-remote';
import { processOutboundHandler } from '../../filters/outbound/processors/process-outbound';
import { processInboundHandler } from '../../filters/processors/process-inbound';
import { startWorker } from '../../platform/queue';
import * as repo from '../../filters/outbound/repositories/outbound';
import type { Config } from '../../platform/config';
import { startPipeline, tcpProxy, type Pipeline } from '../filters/support';

/**
 * Harness of the outbound tests: the filters pipeline of test/filters/support.ts (its worker runs the
 * outbound jobs too), the submission listeners on free ports, and an SMTP sink started here as the
 * smarthost, behind a TCP proxy the test can take down and bring back.
 */
export interface SinkMessage {
  from: string;
  rcpt: string[];
  raw: string;
}

export async function startSink() {
  const received: SinkMessage[] = [];
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    // a recipient the sink does not know: reject…@ gets 550 5.1.1 (a permanent failure)
    onRcptTo(address, _session, cb) {
      if (/^reject/.test(address.address)) {
        const e = new Error('5.1.1 <' + address.address + '>: no such user here') as Error & { responseCode: number };
        e.responseCode = 550;
        return cb(e);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const port = (sink.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((r) => sink.close(() => r())) };
}

export type Outbound = Awaited<ReturnType<typeof startOutbound>>;

export async function startOutbound(opts: { config?: (c: Config) => Config; egressScan?: boolean } = {}) {
  const sink = await startSink();
  const proxy = await tcpProxy(sink.port);
  const p: Pipeline = await startPipeline({
    worker: false,
    config: (c) => {
      const withSmarthost: Config = {
        ...c,
        outbound: {
          ...c.outbound,
          delivery: 'smarthost',
          smarthost: { host: '127.0.0.1', port: proxy.port, tls: 'none', user: null, password: null, verifyTls: false },
        },
      };
      return opts.config ? opts.config(withSmarthost) : withSmarthost;
    },
  });
  const outboundSpool = await openOutboundSpool(p.services);
  // the pipeline's worker as test/filters/support.ts starts it, with the outbound handler told about egressScan
  const worker = startWorker({
    redisUrl: p.config.redisUrl,
    queue: 'filters',
    handlers: [
      processInboundHandler({ ...p.services, spool: p.spool }),
      processOutboundHandler({ ...p.services, spool: p.spool, outboundSpool, egressScan: opts.egressScan }),
    ],
    logger: p.services.logger,
    prefix: p.prefix,
    concurrency: PIPELINE_CONCURRENCY,
  });
  const sweep = startSpoolSweep(p.services, p.spool, 2000);
  const submission: Submission = await startSubmission({ ...p.services, outboundSpool }, { host: '127.0.0.1', port: 0, tlsPort: 0 });
  return {
    p,
    sink,
    proxy,
    submission,
    outboundSpool,
    async close() {
      await submission.close();
      await sweep.close();
      await worker.close();
      closeSmarthostPools();
      await p.close();
      await proxy.close();
      await sink.close();
    },
  };
}

/** A nodemailer client of the submission port: STARTTLS (the test certificate is self-signed), then AUTH. */
export function client(
  o: Outbound,
  auth: { user: string; pass: string } | null,
  opts: { implicit?: boolean; noTls?: boolean; pool?: boolean; maxConnections?: number } = {},
) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: opts.implicit ? o.submission.tlsPort : o.submission.port,
    secure: Boolean(opts.implicit),
    ...(opts.noTls ? { ignoreTLS: true } : { requireTLS: !opts.implicit }),
    tls: { rejectUnauthorized: false },
    name: 'laptop.client.test',
    ...(auth ? { auth } : {}),
    ...(opts.pool ? { pool: true, maxConnections: opts.maxConnections ?? 5, maxMessages: Infinity } : {}),
  } as never);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function waitOutbound(o: Outbound, queueId: string, status: repo.OutboundStatus, timeoutMs = 60_000) {
  return waitFor(
    `outbound ${queueId} ${status}`,
    async () => {
      const m = await repo.findOutbound(o.p.services.db, queueId);
      return m?.status === status ? m : null;
    },
    timeoutMs,
  );
}

export const queueIdOf = (response: string) => /queued as ([0-9A-Z]+)/.exec(response)?.[1] ?? '';
