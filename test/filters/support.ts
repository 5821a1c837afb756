import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Worker } from 'bullmq';
import { createServices } from '../../control-plane/services';
import type { Config } from '../../platform/config';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { filterJobHandlers, openSpool, PIPELINE_CONCURRENCY, startIngress, startSpoolSweep, type Ingress } from '../../filters';
import * as repo from '../../filters/repositories/messages';
import { testConfig, uniq } from '../support/env';
import { createTestAccount } from '../support/fixtures';

/**
 * Harness of the filters integration tests: the real ingress on a free port, a filters worker on a queue
 * prefix of this test file alone (other files run their own workers on the same Redis), a spool folder
 * of its own, and helpers to send over SMTP and read back over IMAP.
 */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

export async function startPipeline(
  opts: { config?: (c: Config) => Config; worker?: boolean; sweepMs?: number; redisUrl?: string; prefix?: string } = {},
) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-filters-'));
  let config: Config = {
    ...testConfig(),
    smtp: { ...testConfig().smtp, hostname: 'mx.postwerk.test', spoolDir: path.join(home, 'spool'), maxConnectionsPerClient: 50 },
    quarantineDir: path.join(home, 'quarantine'),
    home,
  } as Config;
  if (opts.redisUrl) config = { ...config, redisUrl: opts.redisUrl };
  if (opts.config) config = opts.config(config);
  const prefix = opts.prefix ?? uniq('pwf');
  const base = createServices(config);
  const redis = createRedis(config.redisUrl);
  redis.on('error', () => undefined);
  const services = { ...base, queue: new JobQueue(redis, prefix) };
  const spool = await openSpool(services);
  const ingress: Ingress = await startIngress({ ...services, spool }, { port: 0, host: '127.0.0.1' });
  let worker: Worker | null = null;
  let sweep: { close(): Promise<void> } | null = null;
  const startWorkerNow = () => {
    worker = startWorker({
      redisUrl: config.redisUrl,
      queue: 'filters',
      handlers: filterJobHandlers(services, spool),
      logger: services.logger,
      prefix,
      concurrency: PIPELINE_CONCURRENCY, // what a worker process runs (control-plane/main/run.ts)
    });
    sweep = startSpoolSweep(services, spool, opts.sweepMs ?? 2000);
  };
  if (opts.worker !== false) startWorkerNow();
  return {
    config,
    services,
    spool,
    ingress,
    prefix,
    home,
    startWorker: startWorkerNow,
    async stopWorker() {
      await sweep?.close();
      await worker?.close();
      worker = null;
      sweep = null;
    },
    async close() {
      await sweep?.close();
      await worker?.close();
      await ingress.close();
      await services.queue.close();
      redis.disconnect();
      await base.close();
    },
  };
}

export function message(opts: { from?: string; to: string; subject?: string; body?: string; messageId?: string; attachment?: string }): {
  raw: string;
  messageId: string;
} {
  const messageId = opts.messageId ?? `<${randomUUID()}@sender.test>`;
  const head = [
    `From: ${opts.from ?? 'sender@sender.test'}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject ?? 'hello'}`,
    `Message-ID: ${messageId}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  if (opts.attachment !== undefined) {
    const b = 'b-' + randomUUID();
    return {
      messageId,
      raw: [
        ...head,
        `Content-Type: multipart/mixed; boundary="${b}"`,
        '',
        `--${b}`,
        'Content-Type: text/plain',
        '',
        opts.body ?? 'see attachment',
        `--${b}`,
        'Content-Type: application/octet-stream; name="eicar.com"',
        'Content-Disposition: attachment; filename="eicar.com"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(opts.attachment).toString('base64'),
        `--${b}--`,
        '',
      ].join('\r\n'),
    };
  }
  return {
    messageId,
    raw: [...head, 'Content-Type: text/plain; charset=utf-8', '', opts.body ?? 'Hello, this is a plain test message.', ''].join('\r\n'),
  };
}

/** Sends over SMTP; resolves with the 250 text (queue id) or rejects with the server's error (responseCode). */
export async function send(port: number, envelope: { from: string; to: string[] }, raw: string | Buffer, opts: { size?: boolean } = {}) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.sender.test' });
  try {
    const info = await t.sendMail({ envelope: { ...envelope, ...(opts.size ? { size: Buffer.byteLength(raw) } : {}) } as never, raw });
    return info;
  } finally {
    t.close();
  }
}

export const queueIdOf = (response: string) => /queued as ([0-9A-Z]+)/.exec(response)?.[1] ?? '';

/** Waits until every target of the message is final; returns the targets. */
export async function waitFinal(p: Pipeline, queueId: string, timeoutMs = 60_000): Promise<repo.InboundTargetRow[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = await repo.findMessage(p.services.db, queueId);
    const targets = await repo.targetsOf(p.services.db, queueId);
    if (m?.status === 'done' && targets.every((t) => repo.isFinal(t.status))) return targets;
    if (Date.now() > end) throw new Error(`message ${queueId} not final after ${timeoutMs} ms: ${JSON.stringify({ m, targets })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Messages of a mailbox folder whose Message-ID matches (read over IMAP with the master user). */
export async function findInMailbox(config: Config, address: string, messageId: string, folder = 'INBOX') {
  const client = await connectPlatformImap(config.dovecot, masterLogin(config.dovecot, address));
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const uids = (await client.search({ header: { 'Message-ID': messageId } }, { uid: true })) || [];
      const out: string[] = [];
      for (const uid of uids) {
        const m = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (m && m.source) out.push(m.source.toString('utf8'));
      }
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** A TCP proxy in front of a real server that the test can take down and bring back (never the server itself). */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1') {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    down() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    up() {
      up = true;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function eventsOf(p: Pipeline, queueId: string) {
  return repo.listEvents(p.services.db, { queueId });
}

/** An account (fixtures.ts) with its claim in the address namespace, as the control plane writes it. */
export async function account(db: import('../../platform/db').Db, opts: Parameters<typeof createTestAccount>[1] = {}) {
  const a = await createTestAccount(db, opts);
  await db('mail_addresses').insert({
    address: a.address,
    tenant_id: a.tenantId,
    kind: 'account',
    owner_id: a.accountId,
    created_at: new Date().toISOString(),
  });
  return a;
}

export async function alias(
  db: import('../../platform/db').Db,
  owner: { tenantId: string; domainId: string; domain: string; accountId: string },
) {
  const address = `alias-${randomUUID().slice(0, 8)}@${owner.domain}`;
  const id = randomUUID();
  const now = new Date().toISOString();
  await db('aliases').insert({
    id,
    tenant_id: owner.tenantId,
    domain_id: owner.domainId,
    address,
    account_id: owner.accountId,
    created_at: now,
  });
  await db('mail_addresses').insert({ address, kind: 'alias', owner_id: id, tenant_id: owner.tenantId, created_at: now });
  return address;
}
