import { testConfig, uniq } from '../support/env';
import { api, auth, imapLogin, makeTenant, startHarness, strongPassword, tokenFor, type Harness } from './harness';

/** Bulk CSV import: all or nothing, per-row error report, create or update by address. */
const config = testConfig();
let h: Harness;
let tenantId: string;
let domain: string;
let admin: string;

beforeAll(async () => {
  h = startHarness();
  const t = await makeTenant(h.operator, { poolBytes: 1024 ** 3, defaultAllocationBytes: 10 * 1024 ** 2 });
  tenantId = t.tenant.id;
  domain = t.domain.name;
  admin = await tokenFor(h.operator, 'tenant_admin', tenantId);
});
afterAll(() => h.close());

const bulk = (csv: string) =>
  api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/bulk`).set(auth(admin)).set('content-type', 'text/csv').send(csv);
const exists = async (address: string) => Boolean(await h.services.db('accounts').where({ address }).first());

describe(`bulk import (${testConfig().db.client})`, () => {
  it('creates accounts from CSV that log in at once, then updates them by address', async () => {
    const p = uniq('bk');
    const pw = [strongPassword(), strongPassword(), strongPassword()];
    const csv = [
      'address,display_name,password,allocation_bytes,status',
      `${p}-a@${domain},"Müller, Anna",${pw[0]},20971520,active`,
      `${p}-b@${domain},Bob,${pw[1]},,`,
      `${p}-c@${domain},Carol,${pw[2]},,suspended`,
    ].join('\r\n');
    const res = await bulk(csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    const a = await h.services
      .db('accounts')
      .where({ address: `${p}-a@${domain}` })
      .first();
    expect(a).toMatchObject({ display_name: 'Müller, Anna', allocation_bytes: 20971520, status: 'active' });
    expect(
      Number(
        (
          await h.services
            .db('accounts')
            .where({ address: `${p}-b@${domain}` })
            .first()
        ).allocation_bytes,
      ),
    ).toBe(10 * 1024 ** 2);
    expect(await imapLogin(config, `${p}-a@${domain}`, pw[0]!)).toBe(true);
    expect(await imapLogin(config, `${p}-c@${domain}`, pw[2]!)).toBe(false);

    const newPw = strongPassword();
    const update = await bulk(
      [
        'address,display_name,password,status',
        `${p}-a@${domain},Anna M.,,`,
        `${p}-b@${domain},Bob,${newPw},`,
        `${p}-c@${domain},Carol,,active`,
      ].join('\n'),
    );
    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({ created: 0, updated: 3, unchanged: 0 });
    expect(await imapLogin(config, `${p}-b@${domain}`, newPw)).toBe(true);
    expect(await imapLogin(config, `${p}-c@${domain}`, pw[2]!)).toBe(true);

    const same = await bulk(['address,display_name', `${p}-a@${domain},Anna M.`].join('\n'));
    expect(same.body).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
  });

  it('rejects the whole file with 422 and a per-row report; nothing is written', async () => {
    const p = uniq('bx');
    const taken = `${uniq('taken')}@${domain}`;
    await api(h.app)
      .post(`/api/v1/tenants/${tenantId}/accounts`)
      .set(auth(admin))
      .send({ address: taken, password: strongPassword(), allocationBytes: 1024 })
      .expect(201);
    const csv = [
      'address,display_name,password,allocation_bytes,status',
      `${p}-ok@${domain},Fine,${strongPassword()},,`,
      `not-an-address,Bad,${strongPassword()},,`,
      `${p}-weak@${domain},Weak,short,,`,
      `${p}-ok@${domain},Again,${strongPassword()},,`,
      `${p}-size@${domain},Size,${strongPassword()},12abc,`,
      `${p}-status@${domain},Status,${strongPassword()},,frozen`,
    ].join('\n');
    const before = await h.services.db('audit_log').where({ tenant_id: tenantId }).count({ n: '*' }).first();
    const res = await bulk(csv);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unprocessable');
    expect(res.body.error.details.errors).toEqual([
      { row: 2, line: 3, column: 'address', message: expect.stringMatching(/not-an-address.*is not an address/) },
      { row: 3, line: 4, column: 'password', message: 'password must be at least 10 characters' },
      { row: 4, line: 5, column: 'address', message: expect.stringMatching(/appears again \(first in row 1\)/) },
      { row: 5, line: 6, column: 'allocation_bytes', message: 'must be a whole number of bytes' },
      { row: 6, line: 7, column: 'status', message: 'must be active or suspended' },
    ]);
    expect(await exists(`${p}-ok@${domain}`)).toBe(false);

    // errors only the database can see: rolled back together with the good rows before them
    const res2 = await bulk(
      [
        'address,password,allocation_bytes',
        `${p}-ok@${domain},${strongPassword()},`,
        `${p}-x@${uniq('elsewhere')}.test,${strongPassword()},`,
        `${taken},,2048`,
        `${p}-nopw@${domain},,`,
        `${p}-huge@${domain},${strongPassword()},${2 * 1024 ** 3}`,
      ].join('\n'),
    );
    expect(res2.status).toBe(422);
    expect(res2.body.error.details.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [2, 'address'],
      [3, 'allocation_bytes'],
      [4, 'password'],
      [5, 'allocation_bytes'],
    ]);
    expect(res2.body.error.details.errors[3].message).toMatch(/pool cannot cover 2 GiB/);
    expect(await exists(`${p}-ok@${domain}`)).toBe(false);
    expect(await h.services.db('audit_log').where({ tenant_id: tenantId }).count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses a bad header, an empty file, malformed CSV and a JSON body', async () => {
    const unknown = await bulk('address,pasword\nx@y.test,abc');
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.errors[0].message).toMatch(/unknown column "pasword"/);
    const empty = await bulk('');
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.errors[0].message).toMatch(/the file is empty/);
    const malformed = await bulk(`address,password\n"unterminated@${domain},x`);
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.details.errors[0].message).toMatch(/not valid CSV/);
    const json = await api(h.app).post(`/api/v1/tenants/${tenantId}/accounts/bulk`).set(auth(admin)).send({ rows: [] });
    expect(json.status).toBe(400);
  });
});
