import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../../platform/db';
import { createTestTenant } from '../support/fixtures';
import { account, eventsOf, findInMailbox, message, queueIdOf, send, startPipeline, waitFinal, type Pipeline } from './support';

/**
 * The cut-over made real: a migrating account's mail goes to the project's source server (relayed over
 * SMTP to a sink this test runs) until the switch sets inbound_route to local; from then on the same
 * message path delivers into the platform's mailbox.
 */
let p: Pipeline;
let db: Db;
let sink: SMTPServer;
let sinkPort = 0;
const received: Array<{ rcpt: string[]; raw: string }> = [];

beforeAll(async () => {
  p = await startPipeline();
  db = p.services.db;
  sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  sinkPort = (sink.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await p?.close();
  await new Promise<void>((r) => sink.close(() => r()));
});

test('before the switch the mail is relayed to the source server; after it, delivered locally', async () => {
  const tenant = await createTestTenant(db);
  const a = await account(db, { tenant });
  const now = new Date().toISOString();
  const projectId = randomUUID();
  await db('migration_projects').insert({
    id: projectId,
    tenant_id: tenant.tenantId,
    name: `relay-${projectId.slice(0, 8)}`,
    // the stack's source IMAP server is the old server; its SMTP is the sink
    source_host: process.env.POSTWERK_SOURCE_IMAP_HOST ?? '127.0.0.1',
    source_port: Number(process.env.POSTWERK_SOURCE_IMAP_PORT ?? 11143),
    source_security: 'plain',
    auth_method: 'password',
    options: '{}',
    catchup_window_ms: 0,
    catchup_interval_ms: 0,
    relay_host: '127.0.0.1',
    relay_port: sinkPort,
    created_at: now,
    updated_at: now,
  });
  await db('migration_accounts').insert({
    id: randomUUID(),
    project_id: projectId,
    tenant_id: tenant.tenantId,
    source_user: a.address,
    account_id: a.accountId,
    destination_address: a.address,
    status: 'synced',
    created_at: now,
    updated_at: now,
  });
  await db('accounts').where({ id: a.accountId }).update({ inbound_route: 'source' });

  const before = message({ to: a.address, subject: 'before the switch' });
  const q1 = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address] }, before.raw)).response);
  expect((await waitFinal(p, q1))[0]!.status).toBe('relayed');
  const relayed = received.find((r) => r.raw.includes(before.messageId));
  expect(relayed?.rcpt).toEqual([a.address]);
  expect(relayed?.raw).toMatch(/^X-Spam-Score: /m);
  expect(await findInMailbox(p.config, a.address, before.messageId)).toHaveLength(0);
  expect((await eventsOf(p, q1)).map((e) => e.stage)).toContain('relayed');

  // the cut-over's switch (what control-plane/migrations does in its switch transaction)
  await db('accounts').where({ id: a.accountId }).update({ inbound_route: 'local' });

  const after = message({ to: a.address, subject: 'after the switch' });
  const q2 = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address] }, after.raw)).response);
  expect((await waitFinal(p, q2))[0]!.status).toBe('delivered');
  expect(await findInMailbox(p.config, a.address, after.messageId)).toHaveLength(1);
  expect(received.some((r) => r.raw.includes(after.messageId))).toBe(false);
});
