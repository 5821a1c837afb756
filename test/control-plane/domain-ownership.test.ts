import { Queue, type Worker } from 'bullmq';
import type { Express } from 'express';
import { createApiApp } from '../../control-plane/api/app';
import { cliActor } from '../../platform/actor';
import type { Ctx } from '../../platform/context';
import { withActor } from '../../platform/context';
import { silentLogger } from '../../platform/logger';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { domainVerifySweepJob } from '../../tenancy/jobs';
import { DOMAIN_VERIFY_SWEEP_EVERY_MS } from '../../tenancy/limits';
import { controlPlaneHandlers, ensureControlPlaneSchedules } from '../../tenancy/processors/index';
import { findInMailbox, message, queueIdOf, send, startPipeline, waitFinal, type Pipeline } from '../filters/support';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { uniq } from '../support/env';
import { api, auth, imapLogin, makeTenant, strongPassword, tokenFor } from './harness';

/**
 * Domain ownership (issue 12, item 3), against the real stack: the API, the SMTP ingress and filters
 * worker delivering into Dovecot, a control-plane worker on a queue prefix of this file, and a real
 * DNS server over UDP that the platform's resolver is pointed at (config.dns.servers).
 */
let dns: TestDnsServer;
let p: Pipeline;
let app: Express;
let operatorCtx: Ctx;
let operator: string;
let tenantId: string;
let ownDomain: string;
let admin: string;
let worker: Worker | undefined;

beforeAll(async () => {
  dns = await startDnsServer();
  p = await startPipeline({
    config: (c) => ({ ...c, passwordCost: 4, api: { ...c.api, rateLimitPerMinute: 0 }, dns: { servers: [dns.address] } }),
  });
  app = createApiApp(p.services);
  operatorCtx = withActor(p.services, cliActor());
  const t = await makeTenant(operatorCtx);
  tenantId = t.tenant.id;
  ownDomain = t.domain.name;
  operator = await tokenFor(operatorCtx, 'operator');
  admin = await tokenFor(operatorCtx, 'tenant_admin', tenantId);
});
afterAll(async () => {
  await worker?.close();
  await p?.close();
  await dns?.close();
});

const domains = () => `/api/v1/tenants/${tenantId}/domains`;
const accounts = () => `/api/v1/tenants/${tenantId}/accounts`;

async function auditOf(domainId: string) {
  const res = await api(app).get('/api/v1/audit').query({ tenantId, targetId: domainId, limit: 100 }).set(auth(operator));
  expect(res.status).toBe(200);
  return res.body.items as Array<{ action: string; actor: { type: string; id: string; role: string }; after: Record<string, unknown> }>;
}

async function smtpAnswer(to: string): Promise<{ code: number; text: string; queueId?: string; messageId: string }> {
  const m = message({ to });
  try {
    const info = await send(p.ingress.port, { from: 'someone@sender.test', to: [to] }, m.raw);
    return { code: 250, text: info.response, queueId: queueIdOf(info.response), messageId: m.messageId };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; message: string };
    return { code: err.responseCode ?? 0, text: err.response ?? err.message, messageId: m.messageId };
  }
}

test('a domain added by a tenant admin takes no accounts and no mail until its TXT record appears', async () => {
  // an operator's domain (the harness's makeTenant) is verified at once, without a record
  const own = (await api(app).get(domains()).set(auth(admin))).body.items[0];
  expect(own).toMatchObject({ name: ownDomain, verification: { status: 'verified', record: null } });

  // the tenant admin adds bigco.example: pending, with a per-domain token for its TXT record
  const added = await api(app).post(domains()).set(auth(admin)).send({ name: 'bigco.example' });
  expect(added.status).toBe(201);
  const bigco = added.body;
  expect(bigco.verification).toMatchObject({ status: 'pending', checkedAt: null, verifiedAt: null });
  expect(bigco.verification.record).toEqual({
    type: 'TXT',
    name: '_postwerk.bigco.example',
    value: expect.stringMatching(/^postwerk-verification=[A-Za-z0-9_-]{32}$/),
  });
  const record = bigco.verification.record as { name: string; value: string };
  // declaring it verified is not the tenant admin's to do, in either spelling
  for (const body of [{ verified: true }, { status: 'verified' }]) {
    const res = await api(app)
      .post(domains())
      .set(auth(admin))
      .send({ name: `${uniq('claim')}.example`, ...body });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/only an operator can mark a domain verified/);
  }

  // no login-capable account under it
  const refused = await api(app)
    .post(accounts())
    .set(auth(admin))
    .send({ address: 'ceo@bigco.example', password: strongPassword(), allocationBytes: 1024 ** 2 });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('domain_unverified');
  expect(refused.body.error.message).toContain('domain bigco.example is not verified yet');
  expect(refused.body.error.message).toContain(`${record.name} "${record.value}"`);
  // an alias there (to an account of a verified domain) is allowed, but takes no mail either
  const staff = await api(app)
    .post(accounts())
    .set(auth(admin))
    .send({ address: `staff@${ownDomain}`, password: strongPassword(), allocationBytes: 1024 ** 2 });
  expect(staff.status).toBe(201);
  const alias = await api(app)
    .post(`/api/v1/tenants/${tenantId}/aliases`)
    .set(auth(admin))
    .send({ address: 'info@bigco.example', accountId: staff.body.id });
  expect(alias.status).toBe(201);

  // mail to it over SMTP is refused at RCPT
  for (const to of ['ceo@bigco.example', 'info@bigco.example']) {
    const r = await smtpAnswer(to);
    expect(r.code).toBe(554);
    expect(r.text).toMatch(/5\.7\.1 .*bigco\.example is not served here yet \(domain ownership not verified\)/);
  }

  // a check before the record exists: still pending, and the answer says why
  const early = await api(app).post(`${domains()}/${bigco.id}/verify`).set(auth(admin));
  expect(early.status).toBe(200);
  expect(early.body.verification.status).toBe('pending');
  expect(early.body.verification.checkedAt).toEqual(expect.any(String));
  expect(early.body.verification.lastError).toMatch(/_postwerk\.bigco\.example does not exist in DNS \(NXDOMAIN\)/);
  // another tenant's token (or a guess) in the record is not this domain's
  dns.setTxt(record.name, ['v=spf1 -all', 'postwerk-verification=someone-elses-token']);
  const wrong = await api(app).post(`${domains()}/${bigco.id}/verify`).set(auth(admin));
  expect(wrong.body.verification).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/none with this domain's token/) });
  expect(dns.queries).toContain('_postwerk.bigco.example');

  // the record appears on the DNS server: verify → verified, audited with the admin who asked
  dns.setTxt(record.name, ['v=spf1 -all', record.value]);
  const ok = await api(app).post(`${domains()}/${bigco.id}/verify`).set(auth(admin));
  expect(ok.status).toBe(200);
  expect(ok.body.verification).toMatchObject({ status: 'verified', lastError: null, verifiedAt: expect.any(String) });
  const verifiedEntry = (await auditOf(bigco.id)).find((e) => e.action === 'domain.verified');
  expect(verifiedEntry).toMatchObject({ actor: { type: 'token', role: 'tenant_admin' }, after: { method: 'dns' } });

  // now accounts are created and log in, and mail is taken and delivered
  const password = strongPassword();
  const ceo = await api(app)
    .post(accounts())
    .set(auth(admin))
    .send({ address: 'ceo@bigco.example', password, allocationBytes: 1024 ** 2 });
  expect(ceo.status).toBe(201);
  expect(await imapLogin(p.config, 'ceo@bigco.example', password)).toBe(true);
  for (const [to, mailbox] of [
    ['ceo@bigco.example', 'ceo@bigco.example'],
    ['info@bigco.example', `staff@${ownDomain}`],
  ] as const) {
    const r = await smtpAnswer(to);
    expect(r.code).toBe(250);
    const targets = await waitFinal(p, r.queueId!);
    expect(targets.map((t) => t.status)).toEqual(['delivered']);
    expect(await findInMailbox(p.config, mailbox, r.messageId)).toHaveLength(1);
  }
});

test('only an operator marks a domain verified by hand (PATCH), audited', async () => {
  const name = `${uniq('byhand')}.example`;
  const d = (await api(app).post(domains()).set(auth(admin)).send({ name }).expect(201)).body;
  expect(d.verification.status).toBe('pending');

  const byAdmin = await api(app).patch(`${domains()}/${d.id}`).set(auth(admin)).send({ verified: true });
  expect(byAdmin.status).toBe(403);
  expect(byAdmin.body.error.code).toBe('forbidden');
  expect((await api(app).get(`${domains()}/${d.id}`).set(auth(admin))).body.verification.status).toBe('pending');

  const back = await api(app).patch(`${domains()}/${d.id}`).set(auth(operator)).send({ verified: false });
  expect(back.status).toBe(400);

  const byOperator = await api(app).patch(`${domains()}/${d.id}`).set(auth(operator)).send({ verified: true });
  expect(byOperator.status).toBe(200);
  expect(byOperator.body.verification).toMatchObject({ status: 'verified', verifiedAt: expect.any(String) });
  const entries = (await auditOf(d.id)).filter((e) => e.action === 'domain.verified');
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ actor: { type: 'token', role: 'operator' }, after: { method: 'operator' } });
  // idempotent: a second PATCH changes nothing and writes no second entry
  await api(app).patch(`${domains()}/${d.id}`).set(auth(operator)).send({ verified: true }).expect(200);
  expect((await auditOf(d.id)).filter((e) => e.action === 'domain.verified')).toHaveLength(1);
  expect(
    (
      await api(app)
        .post(accounts())
        .set(auth(admin))
        .send({ address: `a@${name}`, password: strongPassword(), allocationBytes: 1024 })
    ).status,
  ).toBe(201);

  // an operator may still ask for the DNS check on a domain of its own making
  const strict = await api(app)
    .post(domains())
    .set(auth(operator))
    .send({ name: `${uniq('strict')}.example`, verified: false });
  expect(strict.status).toBe(201);
  expect(strict.body.verification.status).toBe('pending');
});

test('the scheduled domain.verify-sweep job verifies a pending domain once its record appears, as the system actor', async () => {
  // scheduled every 10 minutes (looked at on a queue prefix no worker serves, so nothing else runs)
  const prefix = uniq('pwsched');
  const redis = createRedis(p.config.redisUrl);
  const scheduled = new Queue('control-plane', { connection: redis, prefix });
  try {
    await ensureControlPlaneSchedules({ ...p.services, queue: new JobQueue(redis, prefix) });
    const schedulers = await scheduled.getJobSchedulers();
    expect(Number(schedulers.find((s) => s.name === domainVerifySweepJob.name)?.every)).toBe(DOMAIN_VERIFY_SWEEP_EVERY_MS);
    await scheduled.obliterate({ force: true });
  } finally {
    await scheduled.close();
    redis.disconnect();
  }

  const name = `${uniq('sweep')}.example`;
  const d = (await api(app).post(domains()).set(auth(admin)).send({ name }).expect(201)).body;
  dns.setTxt(d.verification.record.name, [d.verification.record.value]);

  worker = startWorker({
    redisUrl: p.config.redisUrl,
    queue: 'control-plane',
    handlers: controlPlaneHandlers(p.services),
    logger: silentLogger,
    prefix: p.prefix,
    concurrency: 1,
  });
  await p.services.queue.enqueue(domainVerifySweepJob, {}, { jobId: uniq('verify-sweep') });
  const deadline = Date.now() + 30_000;
  let status = 'pending';
  while (status === 'pending' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = (await api(app).get(`${domains()}/${d.id}`).set(auth(admin))).body.verification.status;
  }
  expect(status).toBe('verified');
  const entry = (await auditOf(d.id)).find((e) => e.action === 'domain.verified');
  expect(entry).toMatchObject({ actor: { type: 'system', id: 'domain.verify-sweep' }, after: { method: 'dns' } });
});
