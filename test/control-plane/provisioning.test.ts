import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { purgeAccount } from '../../tenancy/use-cases/purge-account';
import { testConfig, uniq } from '../support/env';
import { api, auth, imapLogin, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * The "Done when", against the real Dovecot: what the API changes, Dovecot applies at once.
 */
const config = testConfig();
let h: Harness;
let tenantId: string;
let domain: string;
let admin: string;

beforeAll(async () => {
  h = startHarness();
  const t = await makeTenant(h.operator);
  tenantId = t.tenant.id;
  domain = t.domain.name;
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
});
afterAll(() => h.close());

async function createAccount(local: string, password: string) {
  const res = await api(h.app)
    .post(`/api/v1/tenants/${tenantId}/accounts`)
    .set(auth(admin))
    .send({ address: `${local}@${domain}`, password, displayName: 'Test User' });
  expect(res.status).toBe(201);
  return res.body as { id: string; address: string };
}

async function inboxSubjects(user: string, pass: string): Promise<string[]> {
  const client = new ImapFlow({
    host: config.dovecot.imapHost,
    port: config.dovecot.imapPort,
    secure: false,
    auth: { user, pass },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const message = (to: string, subject: string) =>
  Buffer.from(
    `From: sender@example.org\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${uniq()}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n\r\nHello.\r\n`,
  );

describe(`provisioning into Dovecot (${config.db.client})`, () => {
  it('an account created through the API logs in over IMAP within a second', async () => {
    const password = strongPassword();
    const started = Date.now();
    const account = await createAccount(uniq('new'), password);
    expect(await imapLogin(config, account.address, password)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000 + 500 /* bcrypt on a busy CI box, not Dovecot */);
  });

  it('refuses the login after suspension and closes the open session; resume opens it again', async () => {
    const password = strongPassword();
    const account = await createAccount(uniq('sus'), password);
    const open = new ImapFlow({
      host: config.dovecot.imapHost,
      port: config.dovecot.imapPort,
      secure: false,
      auth: { user: account.address, pass: password },
      logger: false,
    });
    open.on('error', () => undefined);
    await open.connect();
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));

    const res = await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/${account.id}/suspend`).set(auth(admin));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('suspended');
    expect(await imapLogin(config, account.address, password)).toBe(false);
    await expect(Promise.race([closed.then(() => 'kicked'), new Promise((r) => setTimeout(() => r('still open'), 3000))])).resolves.toBe(
      'kicked',
    );

    await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/${account.id}/resume`).set(auth(admin)).expect(200);
    expect(await imapLogin(config, account.address, password)).toBe(true);
  });

  it('suspending the domain or the whole tenant closes every mailbox of it at once (sessions kicked by domain)', async () => {
    const { tenant, domain: d } = await makeTenant(h.operator);
    const operator = await tokenFor(h.operator, 'operator');
    const password = strongPassword();
    const acc = (
      await api(h.app)
        .post(`/api/v1/tenants/${tenant.id}/accounts`)
        .set(auth(operator))
        .send({ address: `${uniq('ts')}@${d.name}`, password })
        .expect(201)
    ).body;
    const open = new ImapFlow({
      host: config.dovecot.imapHost,
      port: config.dovecot.imapPort,
      secure: false,
      auth: { user: acc.address, pass: password },
      logger: false,
    });
    open.on('error', () => undefined);
    await open.connect();
    const closed = new Promise<string>((resolve) => open.once('close', () => resolve('kicked')));
    await api(h.app).post(`/api/v1/tenants/${tenant.id}/suspend`).set(auth(operator)).expect(200);
    await expect(Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 3000))])).resolves.toBe('kicked');
    expect(await imapLogin(config, acc.address, password)).toBe(false);
    await api(h.app).post(`/api/v1/tenants/${tenant.id}/resume`).set(auth(operator)).expect(200);
    expect(await imapLogin(config, acc.address, password)).toBe(true);

    await api(h.app).post(`/api/v1/tenants/${tenant.id}/domains/${d.id}/suspend`).set(auth(operator)).expect(200);
    expect(await imapLogin(config, acc.address, password)).toBe(false);
    await api(h.app).post(`/api/v1/tenants/${tenant.id}/domains/${d.id}/resume`).set(auth(operator)).expect(200);
    expect(await imapLogin(config, acc.address, password)).toBe(true);
  });

  it('after a password change only the new password works', async () => {
    const old = strongPassword();
    const account = await createAccount(uniq('pw'), old);
    const next = strongPassword();
    await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${account.id}/password`)
      .set(auth(admin))
      .send({ password: next })
      .expect(200);
    expect(await imapLogin(config, account.address, old)).toBe(false);
    expect(await imapLogin(config, account.address, next)).toBe(true);
  });

  it('an alias delivers into the account over LMTP, and cannot log in itself', async () => {
    const password = strongPassword();
    const account = await createAccount(uniq('al'), password);
    const alias = `${uniq('info')}@${domain}`;
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/aliases`)
      .set(auth(admin))
      .send({ address: alias, accountId: account.id });
    expect(res.status).toBe(201);
    const subject = `via alias ${uniq()}`;
    const delivered = await deliverLmtp(config.dovecot, { from: 'sender@example.org', to: [alias] }, message(alias, subject));
    expect(delivered.rejected).toEqual([]);
    expect(await inboxSubjects(account.address, password)).toContain(subject);
    expect(await imapLogin(config, alias, password)).toBe(false);

    await api(h.app).delete(`/api/v1/tenants/${tenantId}/aliases/${res.body.id}`).set(auth(admin)).expect(204);
    const after = await deliverLmtp(config.dovecot, { from: 'sender@example.org', to: [alias] }, message(alias, 'gone'));
    expect(after.rejected[0]?.code).toBe(550);
  });

  it('a rename keeps the mailbox and moves the login to the new address', async () => {
    const password = strongPassword();
    const account = await createAccount(uniq('ren'), password);
    const subject = `before rename ${uniq()}`;
    await deliverLmtp(config.dovecot, { from: 'sender@example.org', to: [account.address] }, message(account.address, subject));
    const renamed = `${uniq('renamed')}@${domain}`;
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${account.id}/rename`)
      .set(auth(admin))
      .send({ address: renamed.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body.address).toBe(renamed);
    expect(await imapLogin(config, account.address, password)).toBe(false);
    expect(await inboxSubjects(renamed, password)).toContain(subject);
  });

  it('deletes in two steps: closed at once, restorable in the grace period, then purged with its mailbox', async () => {
    const password = strongPassword();
    const account = await createAccount(uniq('del'), password);
    await deliverLmtp(config.dovecot, { from: 'sender@example.org', to: [account.address] }, message(account.address, 'keep me'));

    const del = await api(h.app).delete(`/api/v1/tenants/${tenantId}/accounts/${account.id}`).set(auth(admin));
    expect(del.status).toBe(202);
    expect(del.body.status).toBe('deleting');
    expect(Date.parse(del.body.deleteAfter) - Date.now()).toBeGreaterThan((config.deleteGraceDays - 1) * 86400_000);
    expect(await imapLogin(config, account.address, password)).toBe(false);

    // no new mail while it is being deleted, but the platform's workers still open the mailbox
    const refused = await deliverLmtp(
      config.dovecot,
      { from: 'sender@example.org', to: [account.address] },
      message(account.address, 'too late'),
    );
    expect(refused.accepted).toEqual([]);
    expect(refused.rejected[0]?.response).toMatch(/^550 5\.1\.1/);
    const master = await connectPlatformImap(config.dovecot, masterLogin(config.dovecot, account.address));
    try {
      const status = await master.status('INBOX', { messages: true });
      expect(status && status.messages).toBe(1);
    } finally {
      await master.logout();
    }

    // the address stays taken during the grace period, for every tenant
    const other = await makeTenant(h.operator);
    const taken = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/aliases`)
      .set(auth(admin))
      .send({ address: account.address, accountId: account.id });
    expect(taken.status).toBe(412);
    const again = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts`)
      .set(auth(admin))
      .send({ address: account.address, password });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(account.address);
    expect(other.tenant.id).toBeDefined();

    // a purge before the grace period ends does nothing
    expect((await purgeAccount(h.services, { accountId: account.id })).status).toBe('skipped');

    await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/${account.id}/restore`).set(auth(admin)).expect(200);
    expect(await inboxSubjects(account.address, password)).toContain('keep me');

    await api(h.app).delete(`/api/v1/tenants/${tenantId}/accounts/${account.id}`).set(auth(admin)).expect(202);
    const row = await h.services.db('accounts').where({ id: account.id }).first();
    const home = path.join(config.dovecot.mailRoot, row.mail_path);
    expect(fs.existsSync(home)).toBe(true);
    const outcome = await purgeAccount(h.services, {
      accountId: account.id,
      now: new Date(Date.now() + (config.deleteGraceDays + 1) * 86400_000),
    });
    expect(outcome.status).toBe('done');
    expect(await h.services.db('accounts').where({ id: account.id }).first()).toBeUndefined();
    expect(await h.services.db('mail_addresses').where({ address: account.address }).first()).toBeUndefined();
    expect(fs.existsSync(home)).toBe(false);
    const gone = await deliverLmtp(
      config.dovecot,
      { from: 'sender@example.org', to: [account.address] },
      message(account.address, 'after purge'),
    );
    expect(gone.rejected[0]?.code).toBe(550);
    // the address is free again
    await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts`).set(auth(admin)).send({ address: account.address, password }).expect(201);
  });
});
