import type { Db } from '../../platform/db';
import { createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { account, eventsOf, findInMailbox, message, queueIdOf, send, startPipeline, tcpProxy, waitFinal, type Pipeline } from './support';
import { findMessage, targetsOf } from '../../filters/repositories/messages';

/**
 * Fail closed: with clamd or rspamd unreachable, mail is still accepted (250) and held in the spool,
 * nothing is delivered unscanned; when the scanner is back, it is scanned and delivered. The shared
 * stack's servers stay up: the pipeline talks to them through a TCP proxy this test takes down.
 */
let p: Pipeline;
let db: Db;
let clamd: Awaited<ReturnType<typeof tcpProxy>>;
let rspamd: Awaited<ReturnType<typeof tcpProxy>>;

beforeAll(async () => {
  const c = testConfig();
  clamd = await tcpProxy(c.clamd.port, c.clamd.host);
  rspamd = await tcpProxy(Number(new URL(c.rspamdUrl).port), new URL(c.rspamdUrl).hostname);
  p = await startPipeline({
    config: (cfg) => ({ ...cfg, clamd: { host: '127.0.0.1', port: clamd.port }, rspamdUrl: `http://127.0.0.1:${rspamd.port}` }),
  });
  db = p.services.db;
});
afterAll(async () => {
  await p?.close();
  await clamd?.close();
  await rspamd?.close();
});

async function heldThenDelivered(down: () => void, up: () => void, scanner: string) {
  const tenant = await createTestTenant(db);
  const a = await account(db, { tenant });
  down();
  const m = message({ to: a.address });
  const qid = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address] }, m.raw)).response);
  expect(qid).not.toBe('');
  // held: deferred at least twice (retried with backoff), not delivered, still in the spool
  const end = Date.now() + 20_000;
  while ((await eventsOf(p, qid)).filter((e) => e.stage === 'deferred').length < 2) {
    if (Date.now() > end) throw new Error('the message was not retried while the scanner was down');
    await new Promise((r) => setTimeout(r, 200));
  }
  const deferred = (await eventsOf(p, qid)).filter((e) => e.stage === 'deferred');
  expect(JSON.parse(deferred[0]!.detail!)).toMatchObject({ scanner });
  expect((await targetsOf(db, qid))[0]!.status).toBe('pending');
  expect((await findMessage(db, qid))!.status).toBe('spooled');
  expect(await p.spool.read(qid)).not.toBeNull();
  expect(await findInMailbox(p.config, a.address, m.messageId)).toHaveLength(0);
  up();
  const targets = await waitFinal(p, qid, 60_000);
  expect(targets[0]!.status).toBe('delivered');
  const found = await findInMailbox(p.config, a.address, m.messageId);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(/^X-Spam-Score: /m);
}

test('clamd down: accepted and held; clamd back: scanned and delivered', async () => {
  await heldThenDelivered(
    () => clamd.down(),
    () => clamd.up(),
    'clamd',
  );
}, 90_000);

test('rspamd down: accepted and held; rspamd back: scored and delivered', async () => {
  await heldThenDelivered(
    () => rspamd.down(),
    () => rspamd.up(),
    'rspamd',
  );
}, 90_000);
