import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { createApiApp } from '../../control-plane/api/app';
import { seedDemo } from '../../control-plane/main/seed-demo';
import { createServices } from '../../control-plane/services';
import { testConfig } from '../support/env';
import { api, harnessConfig, imapLogin } from './harness';

/** The demo seed of `npm start`: idempotent, credentials kept 0600, mailboxes with a few messages. */
const config = testConfig();

async function inboxCount(user: string, pass: string): Promise<number> {
  const c = new ImapFlow({
    host: config.dovecot.imapHost,
    port: config.dovecot.imapPort,
    secure: false,
    auth: { user, pass },
    logger: false,
  });
  await c.connect();
  try {
    const st = await c.status('INBOX', { messages: true });
    return st ? (st.messages ?? 0) : 0;
  } finally {
    await c.logout();
  }
}

describe(`demo seed (${config.db.client})`, () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-seed-'));
  const services = createServices({ ...harnessConfig(), home });
  afterAll(async () => {
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('seeds once, reuses on the second run, and regenerates lost passwords', async () => {
    const first = await seedDemo(services);
    expect(first.tenant).toMatchObject({ slug: 'demo', name: 'Demo GmbH', domain: 'demo.postwerk.test' });
    expect(first.accounts.map((a) => a.address)).toEqual([
      'alice@demo.postwerk.test',
      'bob@demo.postwerk.test',
      'carol@demo.postwerk.test',
    ]);
    expect(first.staff.map((s) => s.role)).toEqual(['operator', 'tenant_admin', 'migration_engineer', 'support']);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    const tenant = await services.db('tenants').where({ slug: 'demo' }).first();
    expect(Number(tenant.pool_bytes)).toBe(10 * 1024 ** 3);
    expect(Number(tenant.default_allocation_bytes)).toBe(1024 ** 3);

    for (const a of first.accounts) {
      expect(await imapLogin(config, a.address, a.password)).toBe(true);
      expect(await inboxCount(a.address, a.password)).toBe(3);
    }
    const app = createApiApp(services);
    for (const s of first.staff) {
      const res = await api(app).post('/api/v1/auth/session').send({ email: s.email, password: s.password });
      expect({ status: res.status, role: res.body.role }).toEqual({ status: 200, role: s.role });
    }

    const second = await seedDemo(services);
    expect(second).toEqual(first);
    expect(await inboxCount(first.accounts[0]!.address, first.accounts[0]!.password)).toBe(3);

    fs.rmSync(first.file);
    const third = await seedDemo(services);
    expect(third.accounts[0]!.password).not.toBe(first.accounts[0]!.password);
    expect(await imapLogin(config, third.accounts[0]!.address, third.accounts[0]!.password)).toBe(true);
    expect(await inboxCount(third.accounts[0]!.address, third.accounts[0]!.password)).toBe(3);
    const res = await api(app).post('/api/v1/auth/session').send({ email: third.staff[0]!.email, password: third.staff[0]!.password });
    expect(res.status).toBe(200);
  });
});
