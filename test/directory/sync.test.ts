import { ImapFlow } from 'imapflow';
import { Change, Attribute } from 'ldapts';
import { applySync } from '../../directory/use-cases/apply-sync';
import { getConnection } from '../../directory/use-cases/get-connection';
import { previewSync } from '../../directory/use-cases/preview-sync';
import { runScheduledSync } from '../../directory/use-cases/run-scheduled-sync';
import { setConnection } from '../../directory/use-cases/set-connection';
import { testConnection } from '../../directory/use-cases/test-connection';
import type { ConnectionInput } from '../../directory/shared/settings';
import { isAppError } from '../../platform/errors';
import { api, auth, makeTenant, startHarness, tokenFor, type Harness } from '../control-plane/harness';
import { addGroup, addUser, ldapAdmin, makeOu, type Ou } from './support';

/**
 * Directory sync against the stack's real slapd, seeded here: 200 users in a group with a nested
 * group, provisioned, signed in by bind, disabled, renamed, conflicts and faults.
 */
jest.setTimeout(180_000);

let h: Harness;
let ou: Ou;
let tenantId: string;
let domain: string;
let otherDomain: string;
let groupDn: string;
let conn: ConnectionInput;
const N = 200;
const pw = (i: number) => `Dir-pw-${i}-x9!`;
const uid = (i: number) => `u${String(i).padStart(3, '0')}`;

async function masterLogin(user: string): Promise<ImapFlow> {
  const c = h.services.config.dovecot;
  const client = new ImapFlow({
    host: c.imapHost,
    port: c.imapPort,
    secure: false,
    auth: { user: `${user}*${c.masterUser}`, pass: c.masterPassword },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const accountsOf = async () => h.services.db('accounts').where({ tenant_id: tenantId }).orderBy('address');
const expectAppError = async (p: Promise<unknown>, code: string, directoryStatus?: string) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(isAppError(e)).toBe(true);
  if (!isAppError(e)) return;
  expect(e.code).toBe(code);
  if (directoryStatus) expect((e.details as { directoryStatus: string }).directoryStatus).toBe(directoryStatus);
};

beforeAll(async () => {
  h = startHarness();
  const t = await makeTenant(h.operator, { poolBytes: 100 * 1024 ** 3, defaultAllocationBytes: 50 * 1024 ** 2 });
  tenantId = t.tenant.id;
  domain = t.domain.name;
  otherDomain = (await makeTenant(h.operator)).domain.name;
  ou = await makeOu(h.services.config);
  for (let i = 1; i <= N + 1; i++)
    await addUser(ou, { uid: uid(i), mail: `${uid(i)}@${domain}`, aliases: [`${uid(i)}.alias@${domain}`], password: pw(i) });
  await addUser(ou, { uid: 'nomail', password: pw(0) });
  const nested = await addGroup(ou, 'nested', [...Array.from({ length: N / 2 }, (_, k) => ou.userDn(uid(N / 2 + k + 1)))]);
  // users 1..100 directly, 101..200 through the nested group, 201 in no group, nomail in the group
  groupDn = await addGroup(ou, 'mail', [...Array.from({ length: N / 2 }, (_, k) => ou.userDn(uid(k + 1))), nested, ou.userDn('nomail')]);
  const l = ldapAdmin(h.services.config);
  conn = {
    url: l.url,
    bindDn: l.bindDn,
    bindPassword: l.bindPassword,
    baseDn: ou.dn,
    userFilter: '(objectClass=inetOrgPerson)',
    groupDn,
    groupMode: 'expand',
    aliasAttribute: 'proxyAddresses',
    idAttribute: 'entryUUID',
    enabledMode: 'ad',
    signIn: true,
  };
  await setConnection(h.operator, tenantId, conn);
});

afterAll(async () => {
  await ou?.close();
  await h?.close();
});

test('the bind password is sealed at rest and never shown', async () => {
  const row = await h.services.db('directory_connections').where({ tenant_id: tenantId }).first();
  expect(row.bind_password_sealed).toMatch(/^pws1\./);
  expect(JSON.stringify(row)).not.toContain(conn.bindPassword);
  expect(JSON.stringify(await getConnection(h.operator, tenantId))).not.toContain(conn.bindPassword);
});

test('test connection binds, counts the group (nested too) and shows three; *)(uid=* finds nobody', async () => {
  const r = await testConnection(h.operator, tenantId, { user: '*)(uid=*' });
  expect(r.count).toBe(N + 1); // 200 users and the entry without mail; u201 is in no group
  expect(r.sample).toHaveLength(3);
  expect(r.user!.found).toEqual([]);
  expect((await testConnection(h.operator, tenantId, { user: 'u001' })).user!.found).toHaveLength(1);
  // the route, as a tenant admin
  const token = await tokenFor(h.operator, 'tenant_admin', tenantId);
  const res = await api(h.app).post(`/api/v1/tenants/${tenantId}/directory/test`).set(auth(token)).send({ user: '*' });
  expect(res.status).toBe(200);
  expect(res.body.user.found).toEqual([]);
});

test('a sync of 200 users creates 200 accounts with aliases and allocations that log in to Dovecot', async () => {
  const preview = await previewSync(h.operator, tenantId);
  expect(preview.counts).toMatchObject({ create: N, update: 0, suspend: 0, reenable: 0, skipped: 1, conflicts: 0 });
  expect(preview.skipped[0]!.reason).toMatch(/no mail attribute/);
  expect(await accountsOf()).toHaveLength(0); // a preview changes nothing
  const applied = await applySync(h.operator, tenantId, { digest: preview.digest });
  expect(applied.digest).toBe(preview.digest);
  const accounts = await accountsOf();
  expect(accounts).toHaveLength(N);
  expect(accounts.every((a) => Number(a.allocation_bytes) === 50 * 1024 ** 2)).toBe(true);
  const aliases = await h.services.db('aliases').where({ tenant_id: tenantId });
  expect(aliases).toHaveLength(N);
  expect(aliases.map((a) => a.address)).toContain(`u001.alias@${domain}`);
  for (const a of accounts) {
    const c = await masterLogin(a.address);
    await c.logout();
  }
  const audit = await h.services.db('audit_log').where({ tenant_id: tenantId, action: 'directory.sync.applied' });
  expect(audit).toHaveLength(1);
  expect(JSON.parse(audit[0].after).digest).toBe(preview.digest);
  // a second sync has nothing to do
  expect((await previewSync(h.operator, tenantId)).counts).toMatchObject({ create: 0, update: 0, suspend: 0, conflicts: 0 });
});

test('a directory user signs in to the portal with the directory password, and cannot once disabled', async () => {
  const address = `${uid(1)}@${domain}`;
  const signIn = (password: string) => api(h.app).post('/api/v1/self/session').send({ address, password });
  expect((await signIn(pw(1))).status).toBe(200);
  expect((await signIn('wrong-password')).status).toBe(401);
  expect((await signIn('*')).status).toBe(401);
  await ou.admin.modify(
    ou.userDn(uid(1)),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }),
  );
  // refused at the next attempt, before any sync
  expect((await signIn(pw(1))).status).toBe(401);
  // a platform password hash matches nothing: Dovecot refuses the directory password too (no copy kept)
  const row = await h.services.db('accounts').where({ address }).first();
  expect(row.password_hash).not.toContain(pw(1));
});

test('disabling suspends at the next sync; renaming updates the account and keeps its mailbox', async () => {
  const oldAddress = `${uid(2)}@${domain}`;
  const before = await h.services.db('accounts').where({ address: oldAddress }).first();
  const c = await masterLogin(oldAddress);
  await c.append('INBOX', Buffer.from(`From: a@b.test\r\nSubject: kept\r\n\r\nbody\r\n`));
  await c.logout();
  const newAddress = `${uid(2)}.renamed@${domain}`;
  await ou.admin.modify(ou.userDn(uid(2)), [
    new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: [newAddress] }) }),
    new Change({
      operation: 'replace',
      modification: new Attribute({ type: 'proxyAddresses', values: [`SMTP:${newAddress}`, `smtp:${oldAddress}`] }),
    }),
  ]);
  const preview = await previewSync(h.operator, tenantId);
  expect(preview.counts).toMatchObject({ create: 0, update: 1, suspend: 1, conflicts: 0 });
  expect(preview.suspend[0]).toMatchObject({ address: `${uid(1)}@${domain}`, reason: 'disabled' });
  expect(preview.update[0]!.changes.address).toEqual({ from: oldAddress, to: newAddress });
  await applySync(h.operator, tenantId, { digest: preview.digest });
  expect(
    (
      await h.services
        .db('accounts')
        .where({ address: `${uid(1)}@${domain}` })
        .first()
    ).status,
  ).toBe('suspended');
  const after = await h.services.db('accounts').where({ address: newAddress }).first();
  expect(after.id).toBe(before.id);
  expect(after.mail_path).toBe(before.mail_path);
  const aliases = await h.services.db('aliases').where({ account_id: before.id }).pluck('address');
  expect(aliases).toEqual([oldAddress]);
  const c2 = await masterLogin(newAddress);
  const status = await c2.status('INBOX', { messages: true });
  await c2.logout();
  expect(status && status.messages).toBe(1);
  // re-enabled in the directory: re-enabled at the next sync
  await ou.admin.modify(
    ou.userDn(uid(1)),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }),
  );
  const p2 = await previewSync(h.operator, tenantId);
  expect(p2.counts).toMatchObject({ reenable: 1, conflicts: 0 });
  await applySync(h.operator, tenantId, { digest: p2.digest });
  expect(
    (
      await h.services
        .db('accounts')
        .where({ address: `${uid(1)}@${domain}` })
        .first()
    ).status,
  ).toBe('active');
});

test('a conflict appears in the preview and blocks the apply; a changed directory refuses an old digest', async () => {
  await addUser(ou, { uid: 'foreign', mail: `foreign@${otherDomain}`, password: pw(0) });
  await ou.admin.modify(
    groupDn,
    new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [ou.userDn('foreign')] }) }),
  );
  await ou.admin.modify(
    ou.userDn(uid(3)),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Changed Name'] }) }),
  );
  const preview = await previewSync(h.operator, tenantId);
  expect(preview.conflicts).toEqual([expect.objectContaining({ reason: 'domain_not_owned', address: `foreign@${otherDomain}` })]);
  const before = await accountsOf();
  await expectAppError(applySync(h.operator, tenantId, { digest: preview.digest }), 'conflict');
  expect(await accountsOf()).toEqual(before); // nothing half-applied (u003's name unchanged)
  // the scheduled sync reports the conflicts and applies nothing
  const scheduled = await runScheduledSync(h.operator, tenantId);
  expect(scheduled.status).toBe('conflicts');
  expect((await getConnection(h.operator, tenantId)).lastSync!.status).toBe('conflicts');
  expect(await accountsOf()).toEqual(before);

  await ou.admin.del(ou.userDn('foreign'));
  const clean = await previewSync(h.operator, tenantId);
  expect(clean.counts).toMatchObject({ update: 1, conflicts: 0 });
  await ou.admin.modify(
    ou.userDn(uid(4)),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Changed Too'] }) }),
  );
  await expectAppError(applySync(h.operator, tenantId, { digest: clean.digest }), 'precondition_failed');
  expect(await accountsOf()).toEqual(before);
  const ok = await runScheduledSync(h.operator, tenantId);
  expect(ok.status).toBe('applied');
  expect(
    (
      await h.services
        .db('accounts')
        .where({ address: `${uid(4)}@${domain}` })
        .first()
    ).display_name,
  ).toBe('Changed Too');
});

test('unreachable directory, wrong bind password, missing base DN: a clear status and nothing changed', async () => {
  const before = await accountsOf();
  const cases: Array<[Partial<ConnectionInput>, string, string]> = [
    [{ url: 'ldap://127.0.0.1:1' }, 'unavailable', 'unreachable'],
    [{ bindPassword: 'wrong-password' }, 'unprocessable', 'bind_failed'],
    [{ baseDn: `ou=nothing-here,${ou.dn}` }, 'unprocessable', 'base_dn_missing'],
  ];
  for (const [change, code, status] of cases) {
    await setConnection(h.operator, tenantId, { ...conn, ...change });
    await expectAppError(testConnection(h.operator, tenantId), code, status);
    await expectAppError(previewSync(h.operator, tenantId), code, status);
    const r = await runScheduledSync(h.operator, tenantId);
    expect(r).toMatchObject({ status: 'failed', code });
    const last = (await getConnection(h.operator, tenantId)).lastSync!;
    expect(last.status).toBe('failed');
    expect(JSON.stringify(last.result)).toContain(status);
    expect(await accountsOf()).toEqual(before);
  }
  // a broken filter is bad input at configuration time
  await expectAppError(setConnection(h.operator, tenantId, { ...conn, userFilter: '(uid=*' }), 'validation_failed');
  await setConnection(h.operator, tenantId, conn);
});
