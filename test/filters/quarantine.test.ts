import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { auth } from '../control-plane/harness';
import { quarantineMessage } from '../../filters/quarantine';
import { expireQuarantine } from '../../filters/quarantine/use-cases/expire-quarantine';
import { releaseQuarantined } from '../../filters/quarantine/use-cases/release-quarantined';
import { defaultReleaseDeps, type ReleaseDeps } from '../../filters/quarantine/release-deps';
import {
  EICAR,
  findInMailbox,
  GTUBE,
  message,
  send,
  startQuarantineHarness,
  tenantWithAccount,
  waitFinal,
  type QuarantineHarness,
} from './quarantine-support';

let h: QuarantineHarness;
beforeAll(async () => {
  h = await startQuarantineHarness();
});
afterAll(async () => {
  await h.close();
});

/** A tenant whose policy quarantines GTUBE, and one quarantined GTUBE message of it. */
async function quarantinedSpam(subject = 'spam to release') {
  const t = await tenantWithAccount(h);
  await request(h.app)
    .patch(`/api/v1/tenants/${t.tenant.id}/filter-policy`)
    .set(auth(t.admin))
    .send({ bands: [{ minScore: 10, action: 'quarantine' }] })
    .expect(200);
  const m = message({ to: t.address, subject, body: GTUBE, from: 'bulk@sender.test' });
  const queueId = await send(h, t.address, m.raw, 'bulk@sender.test');
  const [target] = await waitFinal(h, queueId);
  expect(target!.status).toBe('quarantined');
  return { ...t, m, queueId, quarantineId: target!.quarantine_id! };
}

const base = (tenantId: string) => `/api/v1/tenants/${tenantId}/quarantine`;

it('stores the message encrypted (0600), and a retried quarantine of the same message and recipient is the same item', async () => {
  const q = await quarantinedSpam('encrypted at rest');
  const row = await request(h.app)
    .get(`${base(q.tenant.id)}/${q.quarantineId}`)
    .set(auth(q.admin));
  expect(row.status).toBe(200);
  const file = path.join(h.config.quarantineDir, q.tenant.id, `${q.quarantineId}.pwq`);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const sealed = fs.readFileSync(file);
  expect(sealed.includes(Buffer.from('GTUBE'))).toBe(false);
  expect(sealed.includes(Buffer.from('encrypted at rest'))).toBe(false);

  // the pipeline retrying its job: the spool file is gone by now, so stand one in for it
  const spoolCopy = path.join(h.config.home, 'retry.eml');
  fs.writeFileSync(spoolCopy, 'Subject: x\r\n\r\nbody\r\n');
  const again = await quarantineMessage(h.services, {
    message: {
      queueId: q.queueId,
      path: spoolCopy,
      sizeBytes: 20,
      envelope: { mailFrom: 'bulk@sender.test', rcptTo: [q.address], clientAddress: '127.0.0.1', heloName: 'x', secure: false },
      receivedAt: new Date().toISOString(),
    },
    tenantId: q.tenant.id,
    accountId: q.account.id,
    recipient: q.address,
    decision: { action: 'quarantine', reason: 'spam', detail: 'retry' },
    av: { kind: 'clean' },
    spam: { kind: 'scored', score: 15, requiredScore: 15, action: 'reject', symbols: ['GTUBE'] },
  });
  expect(again.quarantineId).toBe(q.quarantineId);
  expect(fs.readdirSync(path.join(h.config.quarantineDir, q.tenant.id))).toEqual([`${q.quarantineId}.pwq`]);
});

it('searches by sender, subject, reason and date range, with keyset pages', async () => {
  const q = await quarantinedSpam('first of two');
  const m2 = message({ to: q.address, subject: 'Second Of Two', body: GTUBE, from: 'other@elsewhere.test' });
  await waitFinal(h, await send(h, q.address, m2.raw, 'other@elsewhere.test'));
  const list = (query: Record<string, string | number>) => request(h.app).get(base(q.tenant.id)).query(query).set(auth(q.admin));

  const page1 = await list({ limit: 1 });
  expect(page1.body.items).toHaveLength(1);
  expect(page1.body.nextCursor).toEqual(expect.any(String));
  const page2 = await list({ limit: 1, cursor: page1.body.nextCursor });
  expect(page2.body.items).toHaveLength(1);
  expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
  expect(page2.body.nextCursor).toBeNull();

  expect((await list({ sender: 'ELSEWHERE' })).body.items.map((i: { subject: string }) => i.subject)).toEqual(['Second Of Two']);
  expect((await list({ subject: 'second of' })).body.items).toHaveLength(1);
  expect((await list({ subject: '%' })).body.items).toHaveLength(0);
  expect((await list({ reason: 'virus' })).body.items).toHaveLength(0);
  expect((await list({ from: new Date(Date.now() + 60_000).toISOString() })).body.items).toHaveLength(0);
  expect(
    (await list({ from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() })).body.items,
  ).toHaveLength(2);
  expect((await list({ from: 'yesterday' })).status).toBe(400);
});

it('previews headers and text only: HTML as sanitized text, no scripts, no remote content', async () => {
  const q = await quarantinedSpam('html preview');
  const html = message({
    to: q.address,
    subject: 'html only',
    from: 'bulk@sender.test',
    html: `<html><head><style>body{color:red}</style><script>alert("x")</script></head><body><p>Dear customer, ${GTUBE}</p><img src="http://tracker.example/pixel.gif"><a href="http://phish.example/login">log in here</a></body></html>`,
  });
  const [target] = await waitFinal(h, await send(h, q.address, html.raw, 'bulk@sender.test'));
  const res = await request(h.app)
    .get(`${base(q.tenant.id)}/${target!.quarantine_id}/preview`)
    .set(auth(q.admin));
  expect(res.status).toBe(200);
  const p = res.body.preview;
  expect(p.subject).toBe('html only');
  expect(p.textSource).toBe('html');
  expect(p.text).toMatch(/Dear customer/);
  expect(p.text).toMatch(/log in here \[http:\/\/phish.example\/login\]/);
  expect(p.text).not.toMatch(/alert|color:red|<|tracker.example/);
  expect(p.headers).toEqual(expect.arrayContaining([{ name: 'subject', value: 'html only' }]));
  expect(JSON.stringify(res.body)).not.toMatch(/<script|<img/);
});

it('releases into the INBOX after a new scan: audited, in the message history, sender allow-listed, rspamd taught ham', async () => {
  const q = await quarantinedSpam('release me');
  const res = await request(h.app)
    .post(`${base(q.tenant.id)}/${q.quarantineId}/release`)
    .set(auth(q.admin))
    .send({ allowSender: true, learnHam: true });
  expect(res.status).toBe(200);
  expect(res.body.message).toMatchObject({ status: 'released', releasedBy: expect.any(String) });
  expect(res.body.rescan.av).toEqual({ kind: 'clean' });
  expect(res.body.allowListed).toBe('bulk@sender.test');
  expect(['learned', 'already_learned']).toContain(res.body.learned.status);

  const inbox = await findInMailbox(h.config, q.address, q.m.messageId, 'INBOX');
  expect(inbox).toHaveLength(1);
  expect(inbox[0]).toMatch(/^X-Postwerk-Released: quarantine /m);
  expect(inbox[0]).toContain(GTUBE);

  const audit = await request(h.app)
    .get('/api/v1/audit')
    .query({ tenantId: q.tenant.id, action: 'quarantine.released' })
    .set(auth(q.operator));
  expect(audit.body.items).toHaveLength(1);
  expect(audit.body.items[0]).toMatchObject({ target: { type: 'quarantined_message', id: q.quarantineId } });
  const allow = await request(h.app)
    .get(`/api/v1/tenants/${q.tenant.id}/filter-policy/senders`)
    .query({ list: 'allow' })
    .set(auth(q.admin));
  expect(allow.body.items.map((e: { pattern: string }) => e.pattern)).toEqual(['bulk@sender.test']);

  const trace = await request(h.app).get('/api/v1/mail/trace').query({ queueId: q.queueId }).set(auth(q.admin));
  expect(trace.body.items[0].events.map((e: { stage: string }) => e.stage)).toEqual(
    expect.arrayContaining(['accepted', 'quarantined', 'released']),
  );

  // the content is gone with the release; a second release is refused
  expect(fs.existsSync(path.join(h.config.quarantineDir, q.tenant.id, `${q.quarantineId}.pwq`))).toBe(false);
  expect(
    (
      await request(h.app)
        .post(`${base(q.tenant.id)}/${q.quarantineId}/release`)
        .set(auth(q.admin))
        .send({})
    ).status,
  ).toBe(409);
  // learning the same message again: rspamd's "already learned" is no failure
  expect(inbox).toHaveLength(1);
});

it('a release that delivered but died before recording is finished by the next release without a second copy', async () => {
  const q = await quarantinedSpam('release crashed midway');
  // the first attempt delivers for real, then dies before the release is recorded
  const dying: ReleaseDeps = {
    ...defaultReleaseDeps,
    async deliver(services, input) {
      const r = await defaultReleaseDeps.deliver(services, input);
      expect(r).toEqual({ ok: true });
      throw new Error('worker died after delivering');
    },
  };
  await expect(releaseQuarantined(h.operator, { tenantId: q.tenant.id, quarantineId: q.quarantineId }, dying)).rejects.toThrow(
    'worker died after delivering',
  );
  expect(await findInMailbox(h.config, q.address, q.m.messageId, 'INBOX')).toHaveLength(1);

  const again = await releaseQuarantined(h.operator, { tenantId: q.tenant.id, quarantineId: q.quarantineId });
  expect(again.message).toMatchObject({ status: 'released' });
  const inbox = await findInMailbox(h.config, q.address, q.m.messageId, 'INBOX');
  expect(inbox).toHaveLength(1);
  expect(inbox[0]).toMatch(new RegExp(`^X-Postwerk-Release-ID: ${q.quarantineId}\\r?$`, 'm'));
});

it('the release policy refuses a tenant admin releasing a virus; an operator is refused too while it is still infected', async () => {
  const t = await tenantWithAccount(h);
  const m = message({ to: t.address, subject: 'virus', attachment: EICAR });
  const [target] = await waitFinal(h, await send(h, t.address, m.raw));
  expect(target!.status).toBe('quarantined');
  const url = `${base(t.tenant.id)}/${target!.quarantine_id}`;
  expect((await request(h.app).get(url).set(auth(t.admin))).body).toMatchObject({
    reason: 'virus',
    detail: expect.stringMatching(/EICAR/i),
  });

  const byAdmin = await request(h.app).post(`${url}/release`).set(auth(t.admin)).send({});
  expect(byAdmin.status).toBe(403);
  expect(byAdmin.body.error.message).toMatch(/operator/);
  const byOperator = await request(h.app).post(`${url}/release`).set(auth(t.operator)).send({});
  expect(byOperator.status).toBe(409);
  expect(byOperator.body.error.message).toMatch(/still infected/);
  expect((await request(h.app).get(url).set(auth(t.admin))).body.status).toBe('held');
  expect(await findInMailbox(h.config, t.address, m.messageId, 'INBOX')).toHaveLength(0);
});

it("tenant A cannot see or touch tenant B's quarantine (404)", async () => {
  const a = await quarantinedSpam('tenant a secret');
  const b = await tenantWithAccount(h);
  const item = `${base(a.tenant.id)}/${a.quarantineId}`;
  expect((await request(h.app).get(base(a.tenant.id)).set(auth(b.admin))).status).toBe(404);
  expect((await request(h.app).get(item).set(auth(b.admin))).status).toBe(404);
  expect((await request(h.app).get(`${item}/preview`).set(auth(b.admin))).status).toBe(404);
  expect((await request(h.app).post(`${item}/release`).set(auth(b.admin)).send({})).status).toBe(404);
  expect((await request(h.app).delete(item).set(auth(b.admin))).status).toBe(404);
  // B's own path with A's item id: as missing
  expect(
    (
      await request(h.app)
        .get(`${base(b.tenant.id)}/${a.quarantineId}`)
        .set(auth(b.admin))
    ).status,
  ).toBe(404);
  expect((await request(h.app).get(base(b.tenant.id)).set(auth(b.admin))).body.items).toHaveLength(0);
  // and A's message is not in B's trace
  expect((await request(h.app).get('/api/v1/mail/trace').query({ queueId: a.queueId }).set(auth(b.admin))).body.items).toHaveLength(0);
});

it('deletes an item (audited) and expires one past its period, with their files', async () => {
  const q = await quarantinedSpam('delete me');
  const m2 = message({ to: q.address, subject: 'expire me', body: GTUBE, from: 'bulk@sender.test' });
  const [t2] = await waitFinal(h, await send(h, q.address, m2.raw, 'bulk@sender.test'));
  const dir = path.join(h.config.quarantineDir, q.tenant.id);
  expect(fs.readdirSync(dir).sort()).toEqual([`${q.quarantineId}.pwq`, `${t2!.quarantine_id}.pwq`].sort());

  expect(
    (
      await request(h.app)
        .delete(`${base(q.tenant.id)}/${q.quarantineId}`)
        .set(auth(q.admin))
    ).status,
  ).toBe(204);
  expect(
    (
      await request(h.app)
        .get(`${base(q.tenant.id)}/${q.quarantineId}`)
        .set(auth(q.admin))
    ).status,
  ).toBe(404);
  const audit = await request(h.app)
    .get('/api/v1/audit')
    .query({ tenantId: q.tenant.id, action: 'quarantine.deleted' })
    .set(auth(q.operator));
  expect(audit.body.items).toHaveLength(1);

  // not yet expired: nothing happens
  expect((await expireQuarantine(h.services, { tenantId: q.tenant.id })).expired).toBe(0);
  const later = new Date(Date.now() + 31 * 24 * 3600_000).toISOString();
  expect(await expireQuarantine(h.services, { tenantId: q.tenant.id, now: later })).toEqual({ expired: 1, orphanFilesRemoved: 0 });
  expect(
    (
      await request(h.app)
        .get(`${base(q.tenant.id)}/${t2!.quarantine_id}`)
        .set(auth(q.admin))
    ).status,
  ).toBe(404);
  expect(fs.readdirSync(dir)).toEqual([]);
});
