import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Worker } from 'bullmq';
import { createServices } from '../../control-plane/services';
import { createApiApp } from '../../control-plane/api/app';
import { createAccount } from '../../quotas/use-cases/create-account';
import type { Config } from '../../platform/config';
import { withActor } from '../../platform/context';
import { cliActor } from '../../platform/actor';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { filterJobHandlers, openSpool, startIngress, type Ingress } from '../../filters';
import * as messages from '../../filters/repositories/messages';
import { harnessConfig, makeTenant, strongPassword, tokenFor } from '../control-plane/harness';
import { uniq } from '../support/env';

/**
 * Harness of the quarantine, policy and trace tests: the real SMTP ingress on a free port, a filters
 * worker on a queue prefix of this test file alone, spool and quarantine folders of its own, the API
 * in process, and helpers to send over SMTP and read back over IMAP.
 */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export async function startQuarantineHarness(opts: { config?: (c: Config) => Config } = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-quarantine-'));
  const base = harnessConfig();
  const config: Config = (opts.config ?? ((c) => c))({
    ...base,
    home,
    smtp: { ...base.smtp, hostname: 'mx.postwerk.test', spoolDir: path.join(home, 'spool'), maxConnectionsPerClient: 50 },
    quarantineDir: path.join(home, 'quarantine'),
  });
  const prefix = uniq('pwq');
  const created = createServices(config);
  const redis = createRedis(config.redisUrl);
  redis.on('error', () => undefined);
  const services = { ...created, queue: new JobQueue(redis, prefix) };
  const spool = await openSpool(services);
  const ingress: Ingress = await startIngress({ ...services, spool }, { port: 0, host: '127.0.0.1' });
  const worker: Worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'filters',
    handlers: filterJobHandlers(services, spool),
    logger: services.logger,
    prefix,
  });
  const app = createApiApp(services);
  const operator = withActor(services, cliActor());
  return {
    config,
    services,
    app,
    operator,
    ingress,
    async close() {
      await worker.close();
      await ingress.close();
      await services.queue.close();
      redis.disconnect();
      await created.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
export type QuarantineHarness = Awaited<ReturnType<typeof startQuarantineHarness>>;

/** A tenant with a domain, one account, and API tokens of its tenant admin and an operator. */
export async function tenantWithAccount(h: QuarantineHarness) {
  const { tenant, domain } = await makeTenant(h.operator);
  const address = `alice@${domain.name}`;
  const account = await createAccount(h.operator, tenant.id, { address, password: strongPassword() });
  const admin = await tokenFor(h.operator, 'tenant_admin', tenant.id);
  const operator = await tokenFor(h.operator, 'operator');
  return { tenant, domain, account, address, admin, operator };
}

export function message(opts: { to: string; from?: string; subject?: string; body?: string; html?: string; attachment?: string }) {
  const messageId = `<${randomUUID()}@sender.test>`;
  const head = [
    `From: ${opts.from ?? 'sender@sender.test'}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject ?? 'hello'}`,
    `Message-ID: ${messageId}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  if (opts.attachment !== undefined) {
    const b = `b-${randomUUID()}`;
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
  const type = opts.html !== undefined ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  return {
    messageId,
    raw: [...head, `Content-Type: ${type}`, '', opts.html ?? opts.body ?? 'Hello, a plain test message.', ''].join('\r\n'),
  };
}

/** Sends over SMTP; resolves with the queue id from the 250 reply, or rejects with the server's error. */
export async function send(
  h: { ingress: { port: number } },
  to: string | string[],
  raw: string,
  from = 'sender@sender.test',
): Promise<string> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: h.ingress.port,
    secure: false,
    ignoreTLS: true,
    name: 'client.sender.test',
  });
  try {
    const info = await t.sendMail({ envelope: { from, to: Array.isArray(to) ? to : [to] }, raw });
    return /queued as ([0-9A-Z]+)/.exec(info.response)?.[1] ?? '';
  } finally {
    t.close();
  }
}

/** Waits until every target of the message has a final outcome; returns the targets. */
export async function waitFinal(h: { services: Pick<QuarantineHarness['services'], 'db'> }, queueId: string, timeoutMs = 45_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = await messages.findMessage(h.services.db, queueId);
    const targets = await messages.targetsOf(h.services.db, queueId);
    if (m?.status === 'done' && targets.length && targets.every((t) => messages.isFinal(t.status))) return targets;
    if (Date.now() > end) throw new Error(`message ${queueId} not final after ${timeoutMs} ms: ${JSON.stringify({ m, targets })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The sources of the messages of a folder with this Message-ID (IMAP, master user). */
export async function findInMailbox(config: Config, address: string, messageId: string, folder = 'INBOX'): Promise<string[]> {
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
