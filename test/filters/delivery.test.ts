import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../../platform/db';
import { createTestTenant } from '../support/fixtures';
import { upsertPolicyRow } from '../../filters/policy/repositories/policies';
import { verdictCounts } from '../../filters/repositories/messages';
import {
  EICAR,
  GTUBE,
  account,
  alias,
  eventsOf,
  findInMailbox,
  message,
  queueIdOf,
  send,
  startPipeline,
  waitFinal,
  type Pipeline,
} from './support';

let p: Pipeline;
let db: Db;
let tenant: Awaited<ReturnType<typeof createTestTenant>>;

beforeAll(async () => {
  p = await startPipeline();
  db = p.services.db;
  tenant = await createTestTenant(db);
});
afterAll(async () => p?.close());

describe('the message path: SMTP → spool → clamd → rspamd → policy → LMTP', () => {
  test('a clean message arrives in the INBOX with its spam headers, and the trace tells its path', async () => {
    const alice = await account(db, { tenant });
    const m = message({ to: alice.address });
    const info = await send(p.ingress.port, { from: 'sender@sender.test', to: [alice.address] }, m.raw);
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    const qid = queueIdOf(info.response);
    const targets = await waitFinal(p, qid);
    expect(targets.map((t) => t.status)).toEqual(['delivered']);
    const found = await findInMailbox(p.config, alice.address, m.messageId);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^X-Spam-Flag: NO/m);
    expect(found[0]).toMatch(/^X-Spam-Score: /m);
    expect(found[0]).toMatch(new RegExp(`^X-Postwerk-Queue-ID: ${qid}`, 'm'));
    expect(found[0]).toMatch(/^Received: from client\.sender\.test/m);
    const stages = (await eventsOf(p, qid)).map((e) => e.stage);
    expect(stages).toEqual(['accepted', 'scanned', 'scanned', 'routed', 'delivered']);
    expect(p.spool.list()).resolves.not.toContain(qid);
    const counts = await verdictCounts(db, { tenantId: tenant.tenantId });
    expect(counts.find((c) => c.verdict === 'deliver')?.count).toBeGreaterThanOrEqual(1);
  });

  test('an EICAR attachment is quarantined with its signature and never reaches Dovecot', async () => {
    const bob = await account(db, { tenant });
    const m = message({ to: bob.address, attachment: EICAR });
    const qid = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [bob.address] }, m.raw)).response);
    const targets = await waitFinal(p, qid);
    expect(targets[0]!.status).toBe('quarantined');
    expect(targets[0]!.quarantine_id).toBeTruthy();
    const events = await eventsOf(p, qid);
    const q = events.find((e) => e.stage === 'quarantined')!;
    expect(JSON.parse(q.detail!)).toMatchObject({ reason: 'virus', detail: expect.stringMatching(/EICAR/) });
    expect(await findInMailbox(p.config, bob.address, m.messageId)).toHaveLength(0);
    expect(await findInMailbox(p.config, bob.address, m.messageId, 'Junk')).toHaveLength(0);
  });

  test("GTUBE goes to the Junk folder when the tenant's policy says junk", async () => {
    const t2 = await createTestTenant(db);
    await upsertPolicyRow(db, {
      tenant_id: t2.tenantId,
      bands: JSON.stringify([{ minScore: 5, action: 'junk' }]),
      release_policy: JSON.stringify({ spam: 'tenant_admin', blocked_sender: 'tenant_admin', virus: 'operator' }),
      quarantine_days: 30,
      updated_at: new Date().toISOString(),
    });
    const carol = await account(db, { tenant: t2 });
    const m = message({ to: carol.address, body: `spam spam\r\n${GTUBE}\r\n` });
    const qid = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [carol.address] }, m.raw)).response);
    expect((await waitFinal(p, qid))[0]!.status).toBe('delivered');
    const junk = await findInMailbox(p.config, carol.address, m.messageId, 'Junk');
    expect(junk).toHaveLength(1);
    expect(junk[0]).toMatch(/^X-Spam-Flag: YES/m);
    expect(await findInMailbox(p.config, carol.address, m.messageId)).toHaveLength(0);
  });

  test('one message for three recipients: two delivered, a third refused by Dovecot is recorded with its words', async () => {
    const a = await account(db, { tenant });
    const b = await account(db, { tenant });
    const c = await account(db, { tenant, quotaBytes: 100 });
    const m = message({ to: `${a.address}, ${b.address}, ${c.address}`, body: 'x'.repeat(2000) });
    const qid = queueIdOf(
      (await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address, b.address, c.address] }, m.raw)).response,
    );
    const targets = await waitFinal(p, qid);
    const by = new Map(targets.map((t) => [t.address, t]));
    expect(by.get(a.address)!.status).toBe('delivered');
    expect(by.get(b.address)!.status).toBe('delivered');
    expect(by.get(c.address)!.status).toBe('failed');
    expect(by.get(c.address)!.last_error).toMatch(/5\.2\.2|quota/i);
    // kept, never dropped
    expect(await p.spool.read(qid)).toBeNull();
    expect(fs.existsSync(p.spool.messagePath(qid, 'failed'))).toBe(true);
  });
});

describe('RCPT policy', () => {
  const rcptError = async (to: string, size?: number) => {
    const m = message({ to, body: size ? 'y'.repeat(size) : 'hi' });
    try {
      await send(p.ingress.port, { from: 'sender@sender.test', to: [to] }, m.raw, { size: !!size });
      return null;
    } catch (e) {
      const err = e as { responseCode?: number; response?: string; rejectedErrors?: Array<{ response: string; responseCode: number }> };
      const first = err.rejectedErrors?.[0];
      return { code: first?.responseCode ?? err.responseCode, response: first?.response ?? err.response ?? '' };
    }
  };

  test('unknown recipient 550 5.1.1, unknown domain 554 5.7.1 (no open relay)', async () => {
    expect(await rcptError(`nobody-${randomUUID().slice(0, 8)}@${tenant.domain}`)).toMatchObject({
      code: 550,
      response: expect.stringMatching(/^550 5\.1\.1 /),
    });
    expect(await rcptError('someone@elsewhere.example')).toMatchObject({ code: 554, response: expect.stringMatching(/^554 5\.7\.1 /) });
  });

  test('suspended or deleting account 550 5.2.1', async () => {
    const s = await account(db, { tenant });
    await db('accounts').where({ id: s.accountId }).update({ status: 'suspended' });
    expect(await rcptError(s.address)).toMatchObject({ code: 550, response: expect.stringMatching(/^550 5\.2\.1 /) });
    const d = await account(db, { tenant });
    await db('accounts').where({ id: d.accountId }).update({ status: 'deleting' });
    expect(await rcptError(d.address)).toMatchObject({ code: 550, response: expect.stringMatching(/^550 5\.2\.1 /) });
  });

  test('over its allocation for the declared SIZE: 452 4.2.2', async () => {
    const small = await account(db, { tenant, quotaBytes: 4000 });
    expect(await rcptError(small.address, 10_000)).toMatchObject({ code: 452, response: expect.stringMatching(/^452 4\.2\.2 /) });
    // the same account takes a message that fits
    expect(await rcptError(small.address)).toBeNull();
  });

  test('an alias is delivered to its account', async () => {
    const owner = await account(db, { tenant });
    const aliasAddress = await alias(db, { ...tenant, accountId: owner.accountId });
    const m = message({ to: aliasAddress });
    const qid = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [aliasAddress] }, m.raw)).response);
    const targets = await waitFinal(p, qid);
    expect(targets).toMatchObject([{ recipient: aliasAddress, address: owner.address, status: 'delivered' }]);
    expect(await findInMailbox(p.config, owner.address, m.messageId)).toHaveLength(1);
  });
});
