import { spawnSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { auth } from '../control-plane/harness';
import { GTUBE, message, send, startQuarantineHarness, tenantWithAccount, waitFinal, type QuarantineHarness } from './quarantine-support';

const BIN = path.resolve(__dirname, '../../bin/postwerk');
function postwerk(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, POSTWERK_LOG_LEVEL: 'error', POSTWERK_QUARANTINE_DIR: h.config.quarantineDir, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let h: QuarantineHarness;
beforeAll(async () => {
  h = await startQuarantineHarness();
});
afterAll(async () => {
  await h.close();
});

it('traces a delivered message by queue ID, Message-ID and recipient, through the API and `postwerk mail trace`', async () => {
  const t = await tenantWithAccount(h);
  const m = message({ to: t.address, subject: 'trace me' });
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('delivered');

  const byQueue = await request(h.app).get('/api/v1/mail/trace').query({ queueId }).set(auth(t.admin));
  expect(byQueue.status).toBe(200);
  expect(byQueue.body.items).toHaveLength(1);
  const traced = byQueue.body.items[0];
  expect(traced.queueId).toBe(queueId);
  const stages = traced.events.map((e: { stage: string }) => e.stage);
  expect(stages[0]).toBe('accepted');
  expect(stages).toEqual(expect.arrayContaining(['scanned', 'routed', 'delivered']));
  const scanned = traced.events.find(
    (e: { stage: string; detail: { scanner?: string } }) => e.stage === 'scanned' && e.detail?.scanner === 'rspamd',
  );
  expect(scanned.detail).toMatchObject({ verdict: 'scored', score: expect.any(Number), symbols: expect.any(Array) });
  const delivered = traced.events.find((e: { stage: string }) => e.stage === 'delivered');
  expect(delivered.elapsedMs).toEqual(expect.any(Number));
  expect(delivered.recipient).toBe(t.address);

  const bare = m.messageId.replace(/^<|>$/g, '');
  const byMessageId = await request(h.app).get('/api/v1/mail/trace').query({ messageId: bare }).set(auth(t.admin));
  expect(byMessageId.body.items.map((i: { queueId: string }) => i.queueId)).toEqual([queueId]);
  const byRecipient = await request(h.app)
    .get('/api/v1/mail/trace')
    .query({ recipient: t.address, from: new Date(Date.now() - 600_000).toISOString() })
    .set(auth(t.admin));
  expect(byRecipient.body.items.map((i: { queueId: string }) => i.queueId)).toEqual([queueId]);
  const tooLate = await request(h.app)
    .get('/api/v1/mail/trace')
    .query({ recipient: t.address, from: new Date(Date.now() + 60_000).toISOString() })
    .set(auth(t.admin));
  expect(tooLate.body.items).toHaveLength(0);
  expect((await request(h.app).get('/api/v1/mail/trace').set(auth(t.admin))).status).toBe(400);

  const cli = postwerk(['mail', 'trace', '--queue-id', queueId]);
  expect(cli.err).toBe('');
  expect(cli.code).toBe(0);
  expect(cli.out).toContain(queueId);
  expect(cli.out).toMatch(/accepted/);
  expect(cli.out).toMatch(/delivered\s+alice@/);
  const json = JSON.parse(postwerk(['mail', 'trace', '--recipient', t.address, '--json']).out);
  expect(json.items[0].queueId).toBe(queueId);
}, 120_000);

it('shows a quarantined message and its release in the trace, and the CLI releases and lists as the API does', async () => {
  const t = await tenantWithAccount(h);
  expect(postwerk(['filter', 'policy', 'set', t.tenant.slug, '--band', '10=quarantine']).code).toBe(0);
  expect(postwerk(['filter', 'block', 'add', t.tenant.slug, 'Blocked.test']).out).toMatch(/blocked.test added to the block list/);
  const lists = postwerk(['filter', 'lists', t.tenant.slug, '--json']);
  expect(JSON.parse(lists.out).items.map((e: { pattern: string }) => e.pattern)).toEqual(['blocked.test']);
  expect(postwerk(['filter', 'policy', 'set', t.tenant.slug, '--band', '5=explode']).code).toBe(2);

  const m = message({ to: t.address, subject: 'cli release', body: GTUBE });
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('quarantined');
  const listed = postwerk(['quarantine', 'list', t.tenant.slug]);
  expect(listed.out).toContain(target!.quarantine_id!);
  expect(listed.out).toMatch(/spam\theld/);
  const preview = postwerk(['quarantine', 'preview', t.tenant.slug, target!.quarantine_id!]);
  expect(preview.out).toContain(GTUBE);
  const rel = postwerk(['quarantine', 'release', t.tenant.slug, target!.quarantine_id!]);
  expect(rel.code).toBe(0);
  expect(rel.out).toMatch(/released to alice@/);
  const cli = postwerk(['mail', 'trace', '--queue-id', queueId]);
  expect(cli.out).toMatch(/quarantined/);
  expect(cli.out).toMatch(/released/);
}, 240_000);
