import { randomUUID } from 'node:crypto';
import { withActor } from '../../platform/context';
import type { Actor } from '../../platform/actor';
import * as repo from '../../filters/outbound/repositories/outbound';
import { getDkimRecords, rotateDkim } from '../../filters/outbound/use-cases/dkim-keys';
import {
  liftSuspension,
  listOutboundNotifications,
  listOutboundQueue,
  releaseOutbound,
} from '../../filters/outbound/use-cases/outbound-queue';
import { setSendingLimits } from '../../filters/outbound/use-cases/sending-limits';
import { createTestTenant } from '../support/fixtures';
import { account, alias, EICAR, findInMailbox, GTUBE, message } from '../filters/support';
import { client, queueIdOf, startOutbound, waitFor, waitOutbound, type Outbound } from './support';

// mailauth's main module wants Node 22 (its BIMI part); its DKIM verifier alone runs on Node 20
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify: (
    input: Buffer | string,
    opts: { resolver: (name: string, type: string) => Promise<string[][]> },
  ) => Promise<{ results: Array<{ signingDomain: string; selector: string; status: { result: string; comment?: string } }> }>;
};

/**
 * Submission and the outbound queue against the real stack (Dovecot, Redis, clamd, rspamd) and an SMTP
 * sink started here as the smarthost.
 */
jest.setTimeout(180_000);

let o: Outbound;
beforeAll(async () => {
  o = await startOutbound();
});
afterAll(async () => {
  await o?.close();
});

const adminOf = (tenantId: string): Actor => ({
  kind: 'staff',
  id: randomUUID(),
  label: 'admin@tenant.test',
  role: 'tenant_admin',
  tenantId,
});

async function sendAs(a: { address: string; password: string }, env: { from?: string; to: string[] }, raw?: string) {
  const t = client(o, { user: a.address, pass: a.password });
  try {
    const m = raw ?? message({ from: env.from ?? a.address, to: env.to.join(', ') }).raw;
    return await t.sendMail({ envelope: { from: env.from ?? a.address, to: env.to }, raw: m });
  } finally {
    t.close();
  }
}

const atSink = (messageId: string) => o.sink.received.filter((m) => m.raw.includes(messageId));

test('an account authenticates and sends: the sink receives it DKIM-signed, and the signature verifies', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const m = message({ from: a.address, to: 'friend@elsewhere.example', subject: 'signed' });
  const info = await sendAs(a, { to: ['friend@elsewhere.example'] }, m.raw);
  expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
  const got = await waitFor('the sink', async () => atSink(m.messageId)[0]);
  expect(got.from).toBe(a.address);
  expect(got.rcpt).toEqual(['friend@elsewhere.example']);
  expect(got.raw).toMatch(/^DKIM-Signature: /m);

  const records = await getDkimRecords(withActor(o.p.services, adminOf(tenant.tenantId)), {
    tenantId: tenant.tenantId,
    domainId: tenant.domainId,
  });
  expect(records.keys).toHaveLength(1);
  const record = records.keys[0]!.record;
  expect(record.name).toMatch(new RegExp(`^pw\\d{8}[0-9a-f]{4}\\._domainkey\\.${tenant.domain.replace(/\./g, '\\.')}$`));
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === record.name) return [[record.value]];
    throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
  };
  const verified = await dkimVerify(Buffer.from(got.raw), { resolver });
  expect(verified.results.map((r) => [r.signingDomain, r.status.result])).toEqual([[tenant.domain, 'pass']]);

  // the row says sent, per recipient
  const rows = await repo.recipientsOf(o.p.services.db, queueIdOf(info.response));
  expect(rows.map((r) => [r.recipient, r.route, r.status])).toEqual([['friend@elsewhere.example', 'remote', 'sent']]);

  // rotation: a new selector signs from now on, the old key is listed as retired
  const rotated = await rotateDkim(withActor(o.p.services, adminOf(tenant.tenantId)), {
    tenantId: tenant.tenantId,
    domainId: tenant.domainId,
  });
  expect(rotated.keys.map((k) => k.status)).toEqual(['active', 'retired']);
  const m2 = message({ from: a.address, to: 'friend@elsewhere.example', subject: 'after rotation' });
  await sendAs(a, { to: ['friend@elsewhere.example'] }, m2.raw);
  const got2 = await waitFor('the sink', async () => atSink(m2.messageId)[0]);
  expect(got2.raw).toContain(`s=${rotated.keys[0]!.selector};`);
  const newRecord = rotated.keys[0]!.record;
  const v2 = await dkimVerify(Buffer.from(got2.raw), { resolver: async (name) => (name === newRecord.name ? [[newRecord.value]] : []) });
  expect(v2.results[0]!.status.result).toBe('pass');
});

test('implicit TLS works on the second port; AUTH before STARTTLS is refused; no AUTH is 554 5.7.1', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const m = message({ from: a.address, to: 'tls@elsewhere.example' });
  const t = client(o, { user: a.address, pass: a.password }, { implicit: true });
  try {
    await t.sendMail({ envelope: { from: a.address, to: ['tls@elsewhere.example'] }, raw: m.raw });
  } finally {
    t.close();
  }
  await waitFor('the sink', async () => atSink(m.messageId)[0]);

  const plain = client(o, { user: a.address, pass: a.password }, { noTls: true });
  await expect(plain.sendMail({ envelope: { from: a.address, to: ['x@elsewhere.example'] }, raw: m.raw })).rejects.toMatchObject({
    responseCode: 538,
  });
  plain.close();

  const anonymous = client(o, null);
  await expect(anonymous.sendMail({ envelope: { from: a.address, to: ['x@elsewhere.example'] }, raw: m.raw })).rejects.toMatchObject({
    responseCode: 554,
    response: expect.stringMatching(/^554 5\.7\.1 /),
  });
  anonymous.close();
});

test('a wrong password is refused and then limited; the right one works again only after the lock', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const codes: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t = client(o, { user: a.address, pass: 'wrong-password-1' });
    try {
      await t.verify();
      codes.push(250);
    } catch (e) {
      codes.push((e as { responseCode: number }).responseCode);
    } finally {
      t.close();
    }
  }
  // ten failures (SIGN_IN_MAX_FAILURES_PER_ACCOUNT), then the lock: even the right password waits
  expect(codes.slice(0, 10)).toEqual(Array(10).fill(535));
  expect(codes[10]).toBe(454);
  const right = client(o, { user: a.address, pass: a.password });
  await expect(right.verify()).rejects.toMatchObject({ responseCode: 454 });
  right.close();
});

test("sending as another tenant's address is refused (553 5.7.1); the account's alias is accepted", async () => {
  const db = o.p.services.db;
  const mine = await createTestTenant(db);
  const theirs = await createTestTenant(db);
  const a = await account(db, { tenant: mine });
  const b = await account(db, { tenant: theirs });
  const sibling = await account(db, { tenant: mine });
  for (const from of [b.address, sibling.address, 'someone@not-hosted.example', '']) {
    await expect(sendAs(a, { from, to: ['x@elsewhere.example'] })).rejects.toMatchObject({
      responseCode: 553,
      response: expect.stringMatching(/^553 5\.7\.1 /),
    });
  }
  const own = await alias(db, { ...mine, accountId: a.accountId });
  const m = message({ from: own, to: 'alias@elsewhere.example' });
  await sendAs(a, { from: own, to: ['alias@elsewhere.example'] }, m.raw);
  expect((await waitFor('the sink', async () => atSink(m.messageId)[0])).from).toBe(own);
});

test('a message to 1,000 recipients gets the per-message recipient limit (452 4.5.3 from the 101st)', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const to = Array.from({ length: 1000 }, (_, i) => `r${i}@elsewhere.example`);
  const t = client(o, { user: a.address, pass: a.password });
  try {
    const info = await t.sendMail({ envelope: { from: a.address, to }, raw: message({ from: a.address, to: 'many' }).raw });
    // nodemailer sends to those accepted: the first 100
    expect(info.accepted).toHaveLength(100);
    expect(info.rejected).toHaveLength(900);
    expect((info as unknown as { rejectedErrors: Array<{ response: string }> }).rejectedErrors[0]!.response).toMatch(/^452 4\.5\.3 /);
  } finally {
    t.close();
  }
});

test('mail for a platform domain is delivered locally through the inbound path', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const other = await createTestTenant(o.p.services.db);
  const b = await account(o.p.services.db, { tenant: other });
  const m = message({ from: a.address, to: b.address, subject: 'local' });
  const info = await sendAs(a, { to: [b.address, 'ext@elsewhere.example'] }, m.raw);
  await waitOutbound(o, queueIdOf(info.response), 'done');
  const rows = await repo.recipientsOf(o.p.services.db, queueIdOf(info.response));
  expect(Object.fromEntries(rows.map((r) => [r.recipient, [r.route, r.status]]))).toEqual({
    [b.address]: ['local', 'sent'],
    'ext@elsewhere.example': ['remote', 'sent'],
  });
  await waitFor('the INBOX', async () => (await findInMailbox(o.p.config, b.address, m.messageId)).length === 1);
  expect(atSink(m.messageId).map((x) => x.rcpt)).toEqual([['ext@elsewhere.example']]);
});

test('the 101st message within the window is held; the tenant admin sees the hold, and releasing it sends it', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const tag = randomUUID();
  const t = client(o, { user: a.address, pass: a.password }, { pool: true, maxConnections: 4 });
  const infos = [];
  try {
    const sends = Array.from({ length: 101 }, (_, i) =>
      t.sendMail({
        envelope: { from: a.address, to: ['bulk@elsewhere.example'] },
        raw: message({ from: a.address, to: 'bulk', subject: `${tag} ${i}` }).raw,
      }),
    );
    infos.push(...(await Promise.all(sends)));
  } finally {
    t.close();
  }
  // every one was accepted (250); exactly one is held
  const ids = infos.map((i) => queueIdOf(i.response));
  const ctx = withActor(o.p.services, adminOf(tenant.tenantId));
  const held = await waitFor('the hold', async () => {
    const page = await listOutboundQueue(ctx, { tenantId: tenant.tenantId, state: 'held' });
    return page.items.length ? page.items : null;
  });
  expect(held).toHaveLength(1);
  expect(held[0]!.holdReason).toBe('rate_limit');
  expect(ids).toContain(held[0]!.queueId);
  await waitFor('100 at the sink', async () => o.sink.received.filter((m) => m.raw.includes(tag)).length === 100);

  const notes = await listOutboundNotifications(ctx, { tenantId: tenant.tenantId });
  expect(notes.items.map((n) => n.event)).toEqual(['outbound.held']);
  const audit = await o.p.services.db('audit_log').where({ tenant_id: tenant.tenantId, action: 'outbound.held' });
  expect(audit).toHaveLength(1);

  await releaseOutbound(ctx, { tenantId: tenant.tenantId, queueId: held[0]!.queueId });
  await waitOutbound(o, held[0]!.queueId, 'done');
  await waitFor('101 at the sink', async () => o.sink.received.filter((m) => m.raw.includes(tag)).length === 101);
  expect((await repo.findOutbound(o.p.services.db, held[0]!.queueId))!.released_by).toBe('admin@tenant.test');
});

test('with automatic suspension, a held account cannot send any more until an admin lifts it', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const ctx = withActor(o.p.services, adminOf(tenant.tenantId));
  await setSendingLimits(ctx, { tenantId: tenant.tenantId, accountLimit: 1, autoSuspend: true });
  await sendAs(a, { to: ['s@elsewhere.example'] });
  const second = await sendAs(a, { to: ['s@elsewhere.example'] });
  await waitOutbound(o, queueIdOf(second.response), 'held');
  await waitFor('the suspension', async () => repo.findSuspension(o.p.services.db, a.accountId));
  await expect(sendAs(a, { to: ['s@elsewhere.example'] })).rejects.toMatchObject({
    responseCode: 554,
    response: expect.stringMatching(/suspended/),
  });
  const notes = await listOutboundNotifications(ctx, { tenantId: tenant.tenantId });
  expect(notes.items.map((n) => n.event).sort()).toEqual(['outbound.held', 'outbound.suspended']);

  expect(await liftSuspension(ctx, { tenantId: tenant.tenantId, accountId: a.accountId })).toEqual({ lifted: true });
  await setSendingLimits(ctx, { tenantId: tenant.tenantId, accountLimit: null });
  const again = await sendAs(a, { to: ['s@elsewhere.example'] });
  await waitOutbound(o, queueIdOf(again.response), 'done');
});

test('spam (rspamd, told it is outbound) and viruses are held, never sent; a virus is never released', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const spam = message({ from: a.address, to: 'v@elsewhere.example', body: `buy now ${GTUBE}` });
  const virus = message({ from: a.address, to: 'v@elsewhere.example', attachment: EICAR });
  const s = await sendAs(a, { to: ['v@elsewhere.example'] }, spam.raw);
  const v = await sendAs(a, { to: ['v@elsewhere.example'] }, virus.raw);
  const sRow = await waitOutbound(o, queueIdOf(s.response), 'held');
  const vRow = await waitOutbound(o, queueIdOf(v.response), 'held');
  expect(sRow.hold_reason).toBe('spam');
  expect(vRow.hold_reason).toBe('virus');
  const ctx = withActor(o.p.services, adminOf(tenant.tenantId));
  await expect(releaseOutbound(ctx, { tenantId: tenant.tenantId, queueId: vRow.queue_id })).rejects.toMatchObject({ code: 'forbidden' });
  expect(atSink(spam.messageId)).toHaveLength(0);
  expect(atSink(virus.messageId)).toHaveLength(0);
});

test('the smarthost stopped, then started again: every message arrives, once', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  o.proxy.down();
  const sent = [];
  try {
    for (let i = 0; i < 5; i++) {
      const m = message({ from: a.address, to: 'down@elsewhere.example', subject: `while down ${i}` });
      const info = await sendAs(a, { to: ['down@elsewhere.example'] }, m.raw);
      sent.push({ m, queueId: queueIdOf(info.response) });
    }
    // each one tried and deferred, still in the queue and the spool
    for (const s of sent) {
      await waitFor('deferred', async () => (await repo.recipientsOf(o.p.services.db, s.queueId))[0]?.status === 'deferred');
    }
    const ctx = withActor(o.p.services, adminOf(tenant.tenantId));
    // all five still queued (each deferred, or in its next attempt at this moment), none at the sink
    expect((await listOutboundQueue(ctx, { tenantId: tenant.tenantId, state: 'queued' })).items).toHaveLength(5);
    for (const s of sent) expect(atSink(s.m.messageId)).toHaveLength(0);
  } finally {
    o.proxy.up();
  }
  for (const s of sent) await waitOutbound(o, s.queueId, 'done', 90_000);
  // a little longer: a second copy would have arrived by now
  await new Promise((r) => setTimeout(r, 2000));
  for (const s of sent) expect(atSink(s.m.messageId)).toHaveLength(1);
});

test('a recipient refused for good gets one RFC 3464 report to the sender; the other recipient gets the message', async () => {
  const tenant = await createTestTenant(o.p.services.db);
  const a = await account(o.p.services.db, { tenant });
  const m = message({ from: a.address, to: 'reject-me@elsewhere.example, ok@elsewhere.example', subject: 'half bounced' });
  const info = await sendAs(a, { to: ['reject-me@elsewhere.example', 'ok@elsewhere.example'] }, m.raw);
  const queueId = queueIdOf(info.response);
  await waitOutbound(o, queueId, 'done');
  const rows = await repo.recipientsOf(o.p.services.db, queueId);
  expect(Object.fromEntries(rows.map((r) => [r.recipient, [r.status, r.last_code]]))).toEqual({
    'ok@elsewhere.example': ['sent', null],
    'reject-me@elsewhere.example': ['failed', 550],
  });
  expect(atSink(m.messageId).map((x) => x.rcpt)).toEqual([['ok@elsewhere.example']]);
  const dsnId = `<${queueId}.dsn@${o.p.config.smtp.hostname}>`;
  const [dsn] = await waitFor('the report in the INBOX', async () => {
    const found = await findInMailbox(o.p.config, a.address, dsnId);
    return found.length ? found : null;
  });
  expect(dsn).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
  expect(dsn).toMatch(/^Final-Recipient: rfc822; reject-me@elsewhere\.example\r?$/m);
  expect(dsn).toMatch(/^Status: 5\.1\.1\r?$/m);
  expect(dsn).toContain(`Message-ID: ${m.messageId}`);
  expect(dsn).not.toContain('ok@elsewhere.example>:');
  // the report came with the null sender: a report is never reported again
  expect(dsn).toMatch(/^Return-Path: <>\r?$/m);
  // one report only
  await new Promise((r) => setTimeout(r, 1500));
  expect(await findInMailbox(o.p.config, a.address, dsnId)).toHaveLength(1);
});
