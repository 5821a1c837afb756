import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig, uniq } from '../support/env';
import { harnessConfig, tokenFor } from '../control-plane/harness';
import { api, auth } from './support';

/**
 * Migration source hosts on loopback or private ranges are refused unless the operator allows them
 * (POSTWERK_MIGRATION_ALLOW_PRIVATE; stack/test.sh sets it for the stack's own source server, which
 * the other migration tests use). Here a platform without that setting.
 */
const services = createServices({ ...harnessConfig(), migrationAllowPrivate: false });
const app = createApiApp(services);
afterAll(() => services.close());

describe(`private migration sources (${testConfig().db.client})`, () => {
  let engineer: string;
  let tenantId: string;
  let csv: string;
  beforeAll(async () => {
    engineer = await tokenFor(withActor(services, cliActor()), 'migration_engineer');
    const tenant = await createTestTenant(services.db);
    tenantId = tenant.tenantId;
    const dest = await createTestAccount(services.db, { tenant });
    csv = `source_user,destination_address\n${uniq('src')},${dest.address}`;
  });
  const masterAuth = { method: 'master', user: 'master', password: 'pw-master-x', style: 'separator' };
  const projects = async () => (await services.db('migration_projects').where({ tenant_id: tenantId })).length;

  it.each([
    [{ host: '127.0.0.1', port: 143, security: 'plain' }, '127.0.0.1'],
    [{ host: 'localhost', port: 143, security: 'plain' }, /127\.0\.0\.1|::1/],
    [{ host: '10.20.30.40', port: 993, security: 'tls' }, '10.20.30.40'],
    [{ host: '192.0.2.10', port: 993, security: 'tls', smtpRelay: { host: '172.16.5.5', port: 25 } }, '172.16.5.5'],
  ])('refuses a project with source %j, naming the address and the setting, and creates nothing', async (source, address) => {
    const before = await projects();
    const res = await api(app)
      .post(`/api/v1/tenants/${tenantId}/migrations`)
      .set(auth(engineer))
      .send({ name: uniq('priv'), source, auth: masterAuth, accountsCsv: csv });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    expect(res.body.error.message).toMatch(address);
    expect(res.body.error.message).toMatch(/POSTWERK_MIGRATION_ALLOW_PRIVATE=true/);
    expect(await projects()).toBe(before);
  });

  it('refuses to test a connection to a private source', async () => {
    const res = await api(app)
      .post(`/api/v1/tenants/${tenantId}/migrations/test-connection`)
      .set(auth(engineer))
      .send({
        source: { host: testConfig().dovecot.imapHost, port: testConfig().dovecot.imapPort, security: 'plain' },
        auth: masterAuth,
        sourceUser: 'someone',
      });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    expect(res.body.error.message).toMatch(/non-public address/);
  });
});
