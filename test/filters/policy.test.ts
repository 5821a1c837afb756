import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { listEvents, verdictCounts } from '../../filters/repositories/messages';
import { auth } from '../control-plane/harness';
import { testConfig } from '../support/env';
import { tcpProxy } from './support';
import {
  findInMailbox,
  GTUBE,
  message,
  send,
  startQuarantineHarness,
  tenantWithAccount,
  waitFinal,
  type QuarantineHarness,
} from './quarantine-support';

/**
 * A GTUBE message (rspamd: score 15) follows the tenant's policy, one test per choice. rspamd is the
 * stack's, reached through a TCP proxy that the reject fallback test takes down.
 */
let h: QuarantineHarness;
let rspamd: Awaited<ReturnType<typeof tcpProxy>>;
beforeAll(async () => {
  const url = new URL(testConfig().rspamdUrl);
  rspamd = await tcpProxy(Number(url.port), url.hostname);
  h = await startQuarantineHarness({ config: (c) => ({ ...c, rspamdUrl: `http://127.0.0.1:${rspamd.port}` }) });
});
afterAll(async () => {
  await h?.close();
  await rspamd?.close();
});

/** Spool files (queue/, tmp/, failed/) that hold this Message-ID. */
function spooled(messageId: string): string[] {
  const found: string[] = [];
  for (const sub of ['queue', 'tmp', 'failed']) {
    const dir = path.join(h.config.smtp.spoolDir, sub);
    for (const n of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (fs.readFileSync(path.join(dir, n), 'latin1').includes(messageId)) found.push(`${sub}/${n}`);
    }
  }
  return found;
}

async function tenantWithBands(bands: Array<{ minScore: number; action: string }>) {
  const t = await tenantWithAccount(h);
  const res = await request(h.app).patch(`/api/v1/tenants/${t.tenant.id}/filter-policy`).set(auth(t.admin)).send({ bands });
  expect(res.status).toBe(200);
  expect(res.body.bands).toEqual(bands);
  return t;
}

it('junk band: GTUBE lands in the Junk folder with X-Spam headers, not in the INBOX', async () => {
  const t = await tenantWithBands([{ minScore: 5, action: 'junk' }]);
  const m = message({ to: t.address, subject: 'gtube junk', body: GTUBE });
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('delivered');
  const junk = await findInMailbox(h.config, t.address, m.messageId, 'Junk');
  expect(junk).toHaveLength(1);
  expect(junk[0]).toMatch(/^X-Spam-Flag: YES/m);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
});

it('quarantine band: GTUBE is quarantined, listed for the tenant admin, in no folder', async () => {
  const t = await tenantWithBands([
    { minScore: 5, action: 'junk' },
    { minScore: 10, action: 'quarantine' },
  ]);
  const m = message({ to: t.address, subject: 'gtube quarantine', body: GTUBE });
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('quarantined');
  const list = await request(h.app).get(`/api/v1/tenants/${t.tenant.id}/quarantine`).set(auth(t.admin));
  expect(list.status).toBe(200);
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0]).toMatchObject({ reason: 'spam', subject: 'gtube quarantine', queueId, recipient: t.address, status: 'held' });
  expect(list.body.items[0].detail).toMatch(/quarantine band/);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'Junk')).toHaveLength(0);
});

it('GTUBE with reject policy gets 5xx at DATA and nothing reaches Dovecot or the spool', async () => {
  const t = await tenantWithBands([{ minScore: 10, action: 'reject' }]);
  const m = message({ to: t.address, subject: 'gtube reject', body: GTUBE });
  const err = await send(h, t.address, m.raw).then(
    (queueId) => new Error(`accepted as ${queueId}`),
    (e: Error & { responseCode?: number; response?: string }) => e,
  );
  expect(err).toMatchObject({ responseCode: 550 });
  expect((err as { response?: string }).response).toMatch(/^550 5\.7\.1 /);
  expect(spooled(m.messageId)).toEqual([]);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'Junk')).toHaveLength(0);
  // the refusal is in the trace (by Message-ID) and counted
  const events = await listEvents(h.services.db, { messageId: m.messageId });
  expect(events.map((e) => e.stage)).toEqual(['rejected']);
  expect(events[0]).toMatchObject({ tenant_id: t.tenant.id, recipient: t.address });
  expect(JSON.parse(events[0]!.detail!)).toMatchObject({ atData: true, score: 15 });
  const counts = await verdictCounts(h.services.db, { tenantId: t.tenant.id });
  expect(counts.map((c) => [c.verdict, Number(c.count)])).toEqual([['reject', 1]]);
});

it('a clean message to a reject-band tenant is scored once, before the DATA reply, and the worker uses that verdict', async () => {
  const t = await tenantWithBands([{ minScore: 10, action: 'reject' }]);
  const m = message({ to: t.address, subject: 'clean to a rejecting tenant', body: 'Hello, just a normal note.' });
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('delivered');
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(1);
  const scans = (await listEvents(h.services.db, { queueId }))
    .filter((e) => e.stage === 'scanned')
    .map((e) => JSON.parse(e.detail!) as { scanner: string; atData?: boolean });
  expect(scans.filter((d) => d.scanner === 'rspamd')).toEqual([expect.objectContaining({ scanner: 'rspamd', atData: true })]);
  expect(scans.filter((d) => d.scanner === 'clamd')).toHaveLength(1);
});

it('reject band with rspamd unreachable at DATA: accepted, then quarantined by the worker (never delivered)', async () => {
  const t = await tenantWithBands([{ minScore: 10, action: 'reject' }]);
  const m = message({ to: t.address, subject: 'gtube reject fallback', body: GTUBE });
  rspamd.down();
  let queueId: string;
  try {
    queueId = await send(h, t.address, m.raw);
  } finally {
    rspamd.up();
  }
  expect(queueId).toMatch(/^[0-9A-Z]+$/);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('quarantined');
  const list = await request(h.app).get(`/api/v1/tenants/${t.tenant.id}/quarantine`).query({ reason: 'spam' }).set(auth(t.admin));
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0].detail).toMatch(/reject band.*too late to reject/);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
});

it('mixed recipients: a reject band for one and a junk band for the other accepts the message and applies each policy', async () => {
  const rejecting = await tenantWithBands([{ minScore: 10, action: 'reject' }]);
  const junking = await tenantWithBands([{ minScore: 5, action: 'junk' }]);
  const m = message({ to: rejecting.address, subject: 'gtube mixed', body: GTUBE });
  const queueId = await send(h, [rejecting.address, junking.address], m.raw);
  const targets = await waitFinal(h, queueId);
  const byAddress = Object.fromEntries(targets.map((x) => [x.address, x.status]));
  expect(byAddress).toEqual({ [rejecting.address]: 'quarantined', [junking.address]: 'delivered' });
  expect(await findInMailbox(h.config, junking.address, m.messageId, 'Junk')).toHaveLength(1);
  expect(await findInMailbox(h.config, rejecting.address, m.messageId, 'INBOX')).toHaveLength(0);
});

it('the allow list lets GTUBE from an allowed sender into the INBOX; the block list quarantines a clean one', async () => {
  const t = await tenantWithBands([{ minScore: 10, action: 'quarantine' }]);
  const add = (list: string, pattern: string) =>
    request(h.app).post(`/api/v1/tenants/${t.tenant.id}/filter-policy/senders`).set(auth(t.admin)).send({ list, pattern });
  expect((await add('allow', 'friend@sender.test')).status).toBe(201);
  expect((await add('block', 'spammer.test')).body.created).toBe(true);
  expect((await add('block', 'SPAMMER.test')).body.created).toBe(false);

  const spam = message({ to: t.address, from: 'friend@sender.test', subject: 'gtube from a friend', body: GTUBE });
  const [a] = await waitFinal(h, await send(h, t.address, spam.raw, 'friend@sender.test'));
  expect(a!.status).toBe('delivered');
  expect(await findInMailbox(h.config, t.address, spam.messageId, 'INBOX')).toHaveLength(1);

  const clean = message({ to: t.address, from: 'x@spammer.test', subject: 'blocked' });
  const [b] = await waitFinal(h, await send(h, t.address, clean.raw, 'x@spammer.test'));
  expect(b!.status).toBe('quarantined');
  const list = await request(h.app).get(`/api/v1/tenants/${t.tenant.id}/quarantine`).query({ reason: 'blocked_sender' }).set(auth(t.admin));
  expect(list.body.items.map((i: { sender: string }) => i.sender)).toEqual(['x@spammer.test']);

  const senders = await request(h.app).get(`/api/v1/tenants/${t.tenant.id}/filter-policy/senders`).set(auth(t.admin));
  expect(senders.body.items.map((e: { pattern: string }) => e.pattern).sort()).toEqual(['friend@sender.test', 'spammer.test']);
});

it('policy changes are audited; a discard band needs allowDiscard; the release policy is for operators', async () => {
  const t = await tenantWithAccount(h);
  const url = `/api/v1/tenants/${t.tenant.id}/filter-policy`;
  const before = await request(h.app).get(url).set(auth(t.admin));
  expect(before.body).toMatchObject({ isDefault: true, quarantineDays: 30, releasePolicy: { virus: 'operator' } });
  const discard = await request(h.app)
    .patch(url)
    .set(auth(t.admin))
    .send({ bands: [{ minScore: 20, action: 'discard' }] });
  expect(discard.status).toBe(400);
  expect(discard.body.error.message).toMatch(/allowDiscard/);
  const ok = await request(h.app)
    .patch(url)
    .set(auth(t.admin))
    .send({ bands: [{ minScore: 20, action: 'discard' }], allowDiscard: true, quarantineDays: 7 });
  expect(ok.status).toBe(200);
  expect(
    (
      await request(h.app)
        .patch(url)
        .set(auth(t.admin))
        .send({ releasePolicy: { virus: 'tenant_admin' } })
    ).status,
  ).toBe(403);
  expect(
    (
      await request(h.app)
        .patch(url)
        .set(auth(t.operator))
        .send({ releasePolicy: { virus: 'tenant_admin' } })
    ).status,
  ).toBe(200);
  const audit = await request(h.app)
    .get('/api/v1/audit')
    .query({ tenantId: t.tenant.id, action: 'filter.policy.updated' })
    .set(auth(t.operator));
  expect(audit.status).toBe(200);
  expect(audit.body.items).toHaveLength(2);
  expect(audit.body.items[0].after).toMatchObject({ quarantineDays: 7 });
});
