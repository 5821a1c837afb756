import { randomUUID } from 'node:crypto';
import { createAccount } from '../../quotas/use-cases/create-account';
import { SUPPORT_REASON_HEADER } from '../../control-plane/auth/support-reason';
import { testConfig, uniq } from '../support/env';
import { api, auth, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/**
 * Support's reach (issue 12 item 7): support gives a reason (the Postwerk-Reason header) for a password
 * reset and for every read of mail content, and the audit log records it. Other roles need none; a
 * reason they give is kept all the same.
 */
let h: Harness;
let tenantId: string;
let domain: string;
let support: string;
let admin: string;

beforeAll(async () => {
  h = startHarness();
  const t = await makeTenant(h.operator);
  tenantId = t.tenant.id;
  domain = t.domain.name;
  support = await tokenFor(h.operator, 'support');
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
});
afterAll(() => h.close());

const newAccount = () => createAccount(h.operator, tenantId, { address: `${uniq('sr')}@${domain}`, password: strongPassword() });

type AuditRow = { id: number; action: string; actor_role: string; target_id: string | null; after: string | null };
const rowsSince = async (since: number, where: Partial<AuditRow>): Promise<AuditRow[]> =>
  (await h.services.db('audit_log').where(where).andWhere('id', '>', since).orderBy('id')) as AuditRow[];
const lastId = async (): Promise<number> => Number((await h.services.db('audit_log').max({ m: 'id' }).first())?.m ?? 0);
const reasonOf = (row: AuditRow | undefined) => (row?.after ? (JSON.parse(row.after) as { reason?: string }).reason : undefined);

describe(`support gives a reason (${testConfig().db.client})`, () => {
  it("refuses support's password reset without a reason, with a message naming the header and the limits", async () => {
    const acc = await newAccount();
    const since = await lastId();
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(support))
      .send({ password: strongPassword() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('reason_required');
    expect(res.body.error.message).toContain(SUPPORT_REASON_HEADER);
    expect(res.body.error.message).toMatch(/5 to 500 characters/);
    expect(await rowsSince(since, { action: 'account.password_changed', target_id: acc.id })).toHaveLength(0);
  });

  it("audits support's password reset with its reason", async () => {
    const acc = await newAccount();
    const since = await lastId();
    const reason = 'ticket 4711: user locked out';
    const res = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(support))
      .set(SUPPORT_REASON_HEADER, `  ${reason}  `)
      .send({ password: strongPassword() });
    expect(res.status).toBe(200);
    const [row] = await rowsSince(since, { action: 'account.password_changed', target_id: acc.id });
    expect(row?.actor_role).toBe('support');
    expect(reasonOf(row)).toBe(reason);
    // the entry's own content is kept beside the reason
    expect(JSON.parse(row!.after!)).toMatchObject({ address: acc.address, passwordChanged: true });
  });

  it('carries a reason that is not ASCII percent-encoded, and refuses a bad encoding', async () => {
    const acc = await newAccount();
    const since = await lastId();
    const reason = 'Ticket 12: Passwort vergessen, Rückruf um 9 Uhr';
    const ok = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(support))
      .set(SUPPORT_REASON_HEADER, encodeURIComponent(reason))
      .send({ password: strongPassword() });
    expect(ok.status).toBe(200);
    expect(reasonOf((await rowsSince(since, { action: 'account.password_changed', target_id: acc.id }))[0])).toBe(reason);

    const bad = await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(support))
      .set(SUPPORT_REASON_HEADER, 'ticket %E0%A4%A')
      .send({ password: strongPassword() });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('reason_required');
    expect(bad.body.error.message).toMatch(/percent-encoding/);
  });

  it('refuses a reason that is too short or too long', async () => {
    const acc = await newAccount();
    for (const reason of ['   abc  ', 'x'.repeat(501)]) {
      const res = await api(h.app)
        .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
        .set(auth(support))
        .set(SUPPORT_REASON_HEADER, reason)
        .send({ password: strongPassword() });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('reason_required');
      expect(res.body.error.message).toMatch(/5 to 500 characters/);
    }
  });

  it('asks no reason of a tenant admin, and keeps one it gives', async () => {
    const acc = await newAccount();
    const since = await lastId();
    await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(admin))
      .send({ password: strongPassword() })
      .expect(200);
    const [plain] = await rowsSince(since, { action: 'account.password_changed', target_id: acc.id });
    expect(plain).toBeDefined();
    expect(reasonOf(plain)).toBeUndefined();

    const since2 = await lastId();
    await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts/${acc.id}/password`)
      .set(auth(admin))
      .set(SUPPORT_REASON_HEADER, 'new employee onboarding')
      .send({ password: strongPassword() })
      .expect(200);
    expect(reasonOf((await rowsSince(since2, { action: 'account.password_changed', target_id: acc.id }))[0])).toBe(
      'new employee onboarding',
    );
    // and the tenant admin's previews need none either (the message is missing: 404, not 400)
    const preview = await api(h.app).get(`/api/v1/tenants/${tenantId}/backups/messages/1/preview`).set(auth(admin));
    expect(preview.status).toBe(404);
  });

  it.each([
    ['backup message preview', () => `/api/v1/tenants/${tenantId}/backups/messages/987654321/preview`],
    ['quarantine preview', () => `/api/v1/tenants/${tenantId}/quarantine/${randomUUID()}/preview`],
  ])("refuses support's %s without a reason, and audits the read with its reason", async (_name, url) => {
    const path = url();
    const since = await lastId();
    const refused = await api(h.app).get(path).set(auth(support));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('reason_required');
    expect(refused.body.error.message).toMatch(/reading mail content/);
    expect(await rowsSince(since, { action: 'support.viewed' })).toHaveLength(0);

    const reason = `ticket ${uniq()}: phishing report`;
    const res = await api(h.app).get(path).set(auth(support)).set(SUPPORT_REASON_HEADER, reason);
    // no such message here: past the reason check, the route answers as for any missing message
    expect(res.status).toBe(404);
    const viewed = (await rowsSince(since, { action: 'support.viewed' })).filter((r) => r.target_id === `GET ${path.slice(7)}`);
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.actor_role).toBe('support');
    expect(reasonOf(viewed[0])).toBe(reason);
  });

  it("does not ask support's other reads for a reason", async () => {
    await api(h.app).get(`/api/v1/tenants/${tenantId}/accounts`).set(auth(support)).expect(200);
    await api(h.app).get(`/api/v1/tenants/${tenantId}/quarantine`).set(auth(support)).expect(200);
  });

  it('documents the header on the routes that need it, and only there', async () => {
    const doc = (await api(h.app).get('/api/v1/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }> }>>;
    };
    const withHeader = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${p}`, op] as const))
      .filter(([, op]) => op.parameters.some((x) => x.in === 'header' && x.name === SUPPORT_REASON_HEADER))
      .map(([name]) => name)
      .sort();
    expect(withHeader).toEqual([
      'get /tenants/{tenantId}/accounts/{accountId}/export',
      'get /tenants/{tenantId}/backups/messages/{messageId}/preview',
      'get /tenants/{tenantId}/export',
      'get /tenants/{tenantId}/quarantine/{quarantineId}/preview',
      'post /tenants/{tenantId}/accounts/{accountId}/password',
    ]);
  });
});
