import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import plist from 'plist';
import { cliActor } from '../../platform/actor';
import { withActor, type Ctx } from '../../platform/context';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { suspendDomain } from '../../tenancy/use-cases/set-domain-status';
import { createTestAccount, type TestAccount } from '../support/fixtures';
import { testConfig, uniq } from '../support/env';
import { harnessConfig, makeTenant, tokenFor } from './harness';

/**
 * Automatic client setup, fetched as the clients fetch it: a plain HTTP client (fetch, node:http for the
 * Host header) against the API listening on 127.0.0.1, answers parsed with an XML parser and a plist
 * parser. The public endpoints come from the configuration, set here to names and ports that differ from
 * every default so that an answer built from anything else fails.
 */
const PUBLIC = {
  imapHost: 'imap.mail-provider.example',
  imapsPort: 10993,
  imapPort: 10143,
  submissionHost: 'smtp.mail-provider.example',
  submissionsPort: 10465,
  submissionPort: 10587,
  webHost: 'setup.mail-provider.example',
  webPort: 8443,
};

const services = createServices({ ...harnessConfig(), clientSetup: PUBLIC });
const app = createApiApp(services);
const operator: Ctx = withActor(services, cliActor());
let server: Server;
let base: string;
let port: number;
let tenantId: string;
let domainId: string;
let domain: string;
let alice: TestAccount;

interface ApiError {
  error: { code: string; message: string };
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, removeNSPrefix: true });

/** GET with a Host header of our choice (fetch does not let a caller set Host). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const autodiscoverRequest = (address: string) =>
  `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

const postAutodiscover = (body: string, path = '/autodiscover/autodiscover.xml') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });

interface AutoconfigServer {
  '@_type': string;
  hostname: string;
  port: string;
  socketType: string;
  username: string;
}

function autoconfigServers(text: string) {
  const doc = xml.parse(text);
  const provider = doc.clientConfig.emailProvider;
  const list = (x: AutoconfigServer | AutoconfigServer[]) => (Array.isArray(x) ? x : [x]);
  const brief = (s: AutoconfigServer) => `${s['@_type']} ${s.hostname}:${s.port} ${s.socketType} ${s.username}`;
  return {
    version: doc.clientConfig['@_version'] as string,
    id: provider['@_id'] as string,
    domain: provider.domain as string,
    incoming: list(provider.incomingServer).map(brief),
    outgoing: list(provider.outgoingServer).map(brief),
  };
}

const expectedAutoconfig = () => ({
  version: '1.1',
  id: domain,
  domain,
  incoming: ['imap imap.mail-provider.example:10993 SSL %EMAILADDRESS%', 'imap imap.mail-provider.example:10143 STARTTLS %EMAILADDRESS%'],
  outgoing: ['smtp smtp.mail-provider.example:10465 SSL %EMAILADDRESS%', 'smtp smtp.mail-provider.example:10587 STARTTLS %EMAILADDRESS%'],
});

async function signIn(a: TestAccount): Promise<string> {
  const res = await fetch(`${base}/api/v1/self/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address: a.address, password: a.password }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const profile = (cookie: string, body: unknown) =>
  fetch(`${base}/api/v1/self/apple-profile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  const made = await makeTenant(operator);
  tenantId = made.tenant.id;
  domainId = made.domain.id;
  domain = made.domain.name;
  alice = await createTestAccount(services.db, { tenant: { tenantId, domainId, domain }, localPart: uniq('alice') });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await services.close();
});

describe(`client setup (${testConfig().db.client})`, () => {
  it('Thunderbird autoconfig names the configured IMAP and submission endpoints, by emailaddress or by Host', async () => {
    const res = await fetch(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(alice.address)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(autoconfigServers(await res.text())).toEqual(expectedAutoconfig());

    // autoconfig.<domain>/mail/config-v1.1.xml, as Thunderbird asks it: the Host header names the domain
    const byHost = await getWithHost('/mail/config-v1.1.xml', `autoconfig.${domain}:${port}`);
    expect(byHost.status).toBe(200);
    expect(autoconfigServers(byHost.body)).toEqual(expectedAutoconfig());
    const wellKnown = await getWithHost('/.well-known/autoconfig/mail/config-v1.1.xml', domain.toUpperCase());
    expect(autoconfigServers(wellKnown.body)).toEqual(expectedAutoconfig());
  });

  it('answers 404 for a domain that is not hosted here, pending or suspended, and 400 for a bad address', async () => {
    const ask = (address: string) =>
      fetch(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`);
    const unknown = await ask(`someone@${uniq('nowhere')}.test`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ApiError).error.code).toBe('not_found');
    expect((await getWithHost('/mail/config-v1.1.xml', `autoconfig.${uniq('nowhere')}.test`)).status).toBe(404);
    expect((await getWithHost('/mail/config-v1.1.xml', `127.0.0.1:${port}`)).status).toBe(404);

    const pending = await createDomain(operator, tenantId, { name: `${uniq('pending')}.test`, verified: false });
    expect((await ask(`bob@${pending.name}`)).status).toBe(404);
    expect((await postAutodiscover(autodiscoverRequest(`bob@${pending.name}`))).status).toBe(404);

    const closed = await createDomain(operator, tenantId, { name: `${uniq('closed')}.test` });
    expect((await ask(`bob@${closed.name}`)).status).toBe(200);
    await suspendDomain(operator, tenantId, closed.id);
    expect((await ask(`bob@${closed.name}`)).status).toBe(404);

    const bad = await ask('not-an-address');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/emailaddress/),
    });
  });

  it('Outlook Autodiscover (POX) answers the IMAP and SMTP endpoints for the address, escaped', async () => {
    // a local part with & and ' (both allowed in addresses here) must come back escaped and intact
    const odd = await createTestAccount(services.db, { tenant: { tenantId, domainId, domain }, localPart: `o'neil&${uniq('co')}` });
    for (const [address, path] of [
      [alice.address, '/autodiscover/autodiscover.xml'],
      [odd.address, '/Autodiscover/Autodiscover.xml'],
    ] as const) {
      const res = await postAutodiscover(autodiscoverRequest(address), path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      const text = await res.text();
      expect(text).toContain('xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"');
      const account = xml.parse(text).Autodiscover.Response.Account;
      expect(account.AccountType).toBe('email');
      expect(account.Action).toBe('settings');
      const protocols = (account.Protocol as Array<Record<string, string>>).map((p) => ({
        type: p.Type,
        server: p.Server,
        port: p.Port,
        ssl: p.SSL,
        encryption: p.Encryption,
        login: p.LoginName,
      }));
      expect(protocols).toEqual([
        { type: 'IMAP', server: 'imap.mail-provider.example', port: '10993', ssl: 'on', encryption: 'SSL', login: address },
        { type: 'SMTP', server: 'smtp.mail-provider.example', port: '10465', ssl: 'on', encryption: 'SSL', login: address },
      ]);
    }
    const unknown = await postAutodiscover(autodiscoverRequest(`someone@${uniq('nowhere')}.test`));
    expect(unknown.status).toBe(404);
  });

  it('refuses malformed Autodiscover requests with a clear 400, and oversized ones with 413', async () => {
    const refused = async (body: string, status: number, code: string, message: RegExp) => {
      const res = await postAutodiscover(body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as ApiError).error).toMatchObject({ code, message: expect.stringMatching(message) });
    };
    await refused('<Autodiscover><Request><EMailAddress>a@b.test</Request></Autodiscover>', 400, 'malformed_xml', /closing tag/);
    await refused('', 400, 'malformed_xml', /body is empty/);
    await refused('not xml at all', 400, 'malformed_xml', /not valid/);
    await refused('<Autodiscover><Request></Request></Autodiscover>', 400, 'malformed_xml', /EMailAddress is missing/);
    await refused('<Other><Request><EMailAddress>a@b.test</EMailAddress></Request></Other>', 400, 'malformed_xml', /root element/);
    await refused(
      `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "${'y'.repeat(10)}">]><Autodiscover><Request><EMailAddress>&x;@b.test</EMailAddress></Request></Autodiscover>`,
      400,
      'malformed_xml',
      /DOCTYPE or ENTITY/,
    );
    await refused(
      `<Autodiscover><Request><EMailAddress>a@b.test</EMailAddress><Pad>${'x'.repeat(20_000)}</Pad></Request></Autodiscover>`,
      413,
      'payload_too_large',
      /larger than/,
    );
  });

  it('gives the signed-in mail user an Apple profile that is a valid plist, with the password only when asked', async () => {
    const cookie = await signIn(alice);
    const without = await profile(cookie, {});
    expect(without.status).toBe(200);
    expect(without.headers.get('content-type')).toMatch(/^application\/x-apple-aspen-config/);
    expect(without.headers.get('content-disposition')).toBe(`attachment; filename="${alice.address}.mobileconfig"`);
    expect(without.headers.get('cache-control')).toBe('no-store');
    const doc = plist.parse(await without.text()) as Record<string, unknown>;
    expect(doc).toMatchObject({ PayloadType: 'Configuration', PayloadVersion: 1 });
    const [mail, ...rest] = doc.PayloadContent as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    expect(mail).toMatchObject({
      PayloadType: 'com.apple.mail.managed',
      EmailAccountType: 'EmailTypeIMAP',
      EmailAddress: alice.address,
      IncomingMailServerHostName: 'imap.mail-provider.example',
      IncomingMailServerPortNumber: 10993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: alice.address,
      OutgoingMailServerHostName: 'smtp.mail-provider.example',
      OutgoingMailServerPortNumber: 10465,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: alice.address,
      OutgoingPasswordSameAsIncomingPassword: true,
    });
    expect(mail).not.toHaveProperty('IncomingPassword');
    expect(mail).not.toHaveProperty('OutgoingPassword');
    expect(doc.PayloadUUID).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);

    // with the password: put in as given (escaped in the XML, intact once parsed), and the same profile
    // identity, so that installing it replaces the first one
    const secret = `${alice.password}<&>"x`;
    const withPw = await profile(cookie, { password: secret });
    expect(withPw.status).toBe(200);
    const doc2 = plist.parse(await withPw.text()) as Record<string, unknown>;
    expect((doc2.PayloadContent as Array<Record<string, unknown>>)[0]!.IncomingPassword).toBe(secret);
    expect([doc2.PayloadIdentifier, doc2.PayloadUUID]).toEqual([doc.PayloadIdentifier, doc.PayloadUUID]);
  });

  it('tells the signed-in mail user the settings for a client set up by hand', async () => {
    const cookie = await signIn(alice);
    const res = await fetch(`${base}/api/v1/self/client-setup`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      address: alice.address,
      login: alice.address,
      endpoints: {
        imap: [
          { host: 'imap.mail-provider.example', port: 10993, security: 'tls' },
          { host: 'imap.mail-provider.example', port: 10143, security: 'starttls' },
        ],
        submission: [
          { host: 'smtp.mail-provider.example', port: 10465, security: 'tls' },
          { host: 'smtp.mail-provider.example', port: 10587, security: 'starttls' },
        ],
      },
    });
    expect((await fetch(`${base}/api/v1/self/client-setup`)).status).toBe(401);
  });

  it('keeps the Apple profile to the mail user: not without a session, not for staff, no unknown fields', async () => {
    expect((await profile('', {})).status).toBe(401);
    const admin = await tokenFor(operator, 'tenant_admin', tenantId);
    const staff = await fetch(`${base}/api/v1/self/apple-profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: '{}',
    });
    expect(staff.status).toBe(403);
    const cookie = await signIn(alice);
    const extra = await profile(cookie, { password: 'x', storePassword: true });
    expect(extra.status).toBe(400);
    expect((await profile(cookie, { password: '' })).status).toBe(400);
  });

  it("lists the DNS records a tenant publishes for its domain's client setup", async () => {
    const admin = await tokenFor(operator, 'tenant_admin', tenantId);
    const res = await fetch(`${base}/api/v1/tenants/${tenantId}/domains/${domainId}/client-setup`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { domain: string; answered: boolean; records: Array<{ type: string; name: string; value: string }> };
    expect(body.domain).toBe(domain);
    expect(body.answered).toBe(true);
    const records = (body.records as Array<{ type: string; name: string; value: string }>).map((r) => `${r.type} ${r.name} ${r.value}`);
    expect(records).toEqual([
      `SRV _imaps._tcp.${domain}. 0 1 10993 imap.mail-provider.example.`,
      `SRV _imap._tcp.${domain}. 0 1 10143 imap.mail-provider.example.`,
      `SRV _submissions._tcp.${domain}. 0 1 10465 smtp.mail-provider.example.`,
      `SRV _submission._tcp.${domain}. 0 1 10587 smtp.mail-provider.example.`,
      `SRV _autodiscover._tcp.${domain}. 0 1 8443 setup.mail-provider.example.`,
      `CNAME autoconfig.${domain}. setup.mail-provider.example.`,
      `CNAME autodiscover.${domain}. setup.mail-provider.example.`,
    ]);
    // another tenant's admin sees it as missing
    const other = await makeTenant(operator);
    const stranger = await tokenFor(operator, 'tenant_admin', other.tenant.id);
    const hidden = await fetch(`${base}/api/v1/tenants/${other.tenant.id}/domains/${domainId}/client-setup`, {
      headers: { authorization: `Bearer ${stranger}` },
    });
    expect(hidden.status).toBe(404);
  });
});
