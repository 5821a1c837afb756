import request from 'supertest';
import { auth } from '../control-plane/harness';
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

/** A GTUBE message (rspamd: score 15) follows the tenant's policy, one test per choice. */
let h: QuarantineHarness;
beforeAll(async () => {
  h = await startQuarantineHarness();
});
afterAll(async () => {
  await h.close();
});

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

it('reject band: GTUBE scanned after the DATA reply cannot be rejected any more and is quarantined instead', async () => {
  const t = await tenantWithBands([{ minScore: 10, action: 'reject' }]);
  const m = message({ to: t.address, subject: 'gtube reject', body: GTUBE });
  // the ingress acknowledges once the message is spooled and scans afterwards (canReject false)
  const queueId = await send(h, t.address, m.raw);
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('quarantined');
  const list = await request(h.app).get(`/api/v1/tenants/${t.tenant.id}/quarantine`).query({ reason: 'spam' }).set(auth(t.admin));
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0].detail).toMatch(/reject band.*too late to reject/);
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
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
