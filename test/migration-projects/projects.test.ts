import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { runCli } from '../../control-plane/cli/main';
import { processCutover } from '../../migration-projects/processors/cutover';
import { api, apiToken, auth, destinationCount, seedSource, source, startWorld, uniqSourceUser, waitFor, type World } from './support';

/**
 * The engineer's actions on a project that never reaches its cut-over: reschedule, delta schedule,
 * roll-back (all audited), who may do what, and the all-or-nothing CSV.
 */
describe(`migration projects (${testConfig().db.client})`, () => {
  let w: World;
  let engineer: string;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  const base = () => `/api/v1/tenants/${tenant.tenantId}/migrations`;
  const masterAuth = () => ({ method: 'master', user: source.masterUser(), password: source.masterPassword(), style: 'separator' });
  const server = () => ({ host: source.host(), port: source.port(), security: 'plain' });

  beforeAll(async () => {
    w = startWorld();
    engineer = await apiToken(w.services, 'migration_engineer');
    tenant = await createTestTenant(w.services.db);
  });
  afterAll(async () => {
    await w.close();
  });

  async function project(name: string, rows = 1) {
    const dests = [];
    for (let i = 0; i < rows; i++) dests.push(await createTestAccount(w.services.db, { tenant }));
    const csv = ['source_user,destination_address', ...dests.map((d) => `${uniqSourceUser()},${d.address}`)].join('\n');
    const r = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({ name, source: server(), auth: masterAuth(), accountsCsv: csv })
      .expect(201);
    return { id: r.body.id as string, dests };
  }
  const audit = (projectId: string) =>
    w.services.db('audit_log').where({ target_id: projectId }).orderBy('id').select('action', 'before', 'after', 'actor_id');
  const jobState = async (id: string) => (await w.inspect.getJob(id.replace(/:/g, '_')))?.getState() ?? 'absent';

  it('reschedules a cut-over (old delayed job removed, new one added) and rolls back before the switch, audited', async () => {
    const { id, dests } = await project('reschedule me');
    const first = new Date(Date.now() + 3600_000).toISOString();
    const second = new Date(Date.now() + 7200_000).toISOString();

    const s1 = await api(w.app).put(`${base()}/${id}/cutover`).set(auth(engineer)).send({ at: first }).expect(200);
    expect(s1.body).toMatchObject({ status: 'cutover-scheduled', cutoverAt: first });
    await waitFor('first delayed job', async () => (await jobState(`migration.cutover:${id}:1:project:0`)) === 'delayed');

    await api(w.app).put(`${base()}/${id}/cutover`).set(auth(engineer)).send({ at: second }).expect(200);
    await waitFor('second delayed job', async () => (await jobState(`migration.cutover:${id}:2:project:0`)) === 'delayed');
    expect(await jobState(`migration.cutover:${id}:1:project:0`)).toBe('absent');
    // had the first job been due already and run anyway, it finds its generation stale and does nothing
    const fakeJob = { id: 'stale', attemptsMade: 0, opts: { attempts: 1 } };
    expect(await processCutover({ services: w.services }, { projectId: id, generation: 1 }, fakeJob)).toMatchObject({
      status: 'skipped',
      detail: { why: expect.stringMatching(/^stale/) },
    });
    const job = await w.inspect.getJob(`migration.cutover_${id}_2_project_0`);
    expect(job!.timestamp + job!.opts.delay!).toBeGreaterThan(Date.parse(second) - 5_000);

    // delta passes every 30 minutes: a job scheduler on the queue
    const d = await api(w.app).put(`${base()}/${id}/delta-schedule`).set(auth(engineer)).send({ intervalMinutes: 30 }).expect(200);
    expect(d.body.deltaIntervalMinutes).toBe(30);
    await waitFor('delta scheduler', async () => (await w.inspect.getJobScheduler(`migration.delta_${id}`))?.every === 1_800_000);

    const rb = await api(w.app).post(`${base()}/${id}/rollback`).set(auth(engineer)).send({ reason: 'customer postponed' }).expect(200);
    expect(rb.body).toMatchObject({
      status: 'rolled-back',
      cutoverAt: null,
      deltaIntervalMinutes: null,
      accounts: { byStatus: { 'rolled-back': 1 } },
    });
    await waitFor('cut-over job removed', async () => (await jobState(`migration.cutover:${id}:2:project:0`)) === 'absent');
    await waitFor('delta scheduler removed', async () => !(await w.inspect.getJobScheduler(`migration.delta_${id}`)));
    // the account never left the old server
    expect((await w.services.db('accounts').where({ id: dests[0]!.accountId }).first()).inbound_route).toBe('source');

    const entries = await audit(id);
    expect(entries.map((e) => e.action)).toEqual([
      'migration.project.created',
      'migration.cutover.scheduled',
      'migration.cutover.rescheduled',
      'migration.delta.started',
      'migration.project.rolled_back',
    ]);
    expect(JSON.parse(entries[2]!.before)).toEqual({ cutoverAt: first });
    expect(JSON.parse(entries[2]!.after)).toMatchObject({ cutoverAt: second });
    expect(JSON.parse(entries[4]!.after)).toMatchObject({ status: 'rolled-back', reason: 'customer postponed' });
    expect(entries.every((e) => /^token:migration_engineer/.test(e.actor_id))).toBe(true);

    // a rolled-back project takes no new work
    await api(w.app).post(`${base()}/${id}/prestage`).set(auth(engineer)).send({}).expect(409);
    await api(w.app).put(`${base()}/${id}/cutover`).set(auth(engineer)).send({ at: second }).expect(409);
  });

  it('refuses a cut-over time in the past and a local time without a zone', async () => {
    const { id } = await project('times');
    const past = await api(w.app).put(`${base()}/${id}/cutover`).set(auth(engineer)).send({ at: '2020-01-01T00:00:00Z' }).expect(400);
    expect(past.body.error.message).toMatch(/in the past/);
    await api(w.app).put(`${base()}/${id}/cutover`).set(auth(engineer)).send({ at: '2030-01-01T00:00:00' }).expect(400);
  });

  it('lets tenant admins of the tenant read, not write; other tenants see nothing', async () => {
    const { id } = await project('access');
    const admin = await apiToken(w.services, 'tenant_admin', tenant.tenantId);
    const otherTenant = await createTestTenant(w.services.db);
    const stranger = await apiToken(w.services, 'tenant_admin', otherTenant.tenantId);
    const support = await apiToken(w.services, 'support');

    await api(w.app).get(`${base()}/${id}`).set(auth(admin)).expect(200);
    await api(w.app).get(`${base()}/${id}/accounts`).set(auth(admin)).expect(200);
    const list = await api(w.app).get(base()).set(auth(admin)).expect(200);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);
    await api(w.app).post(`${base()}/${id}/prestage`).set(auth(admin)).send({}).expect(403);
    await api(w.app).post(`${base()}/${id}/rollback`).set(auth(support)).send({}).expect(403);
    await api(w.app).get(`${base()}/${id}`).set(auth(stranger)).expect(404);
    // the project id under another tenant's path is "not found" as well
    const op = await apiToken(w.services, 'operator');
    await api(w.app).get(`/api/v1/tenants/${otherTenant.tenantId}/migrations/${id}`).set(auth(op)).expect(404);
    // XOAUTH2 token commands run on the workers: operators only
    const dest = await createTestAccount(w.services.db, { tenant });
    const xo = {
      name: 'oauth',
      source: server(),
      auth: { method: 'xoauth2', tokenCommand: 'echo token' },
      accountsCsv: `source_user,destination_address\na,${dest.address}`,
    };
    await api(w.app).post(base()).set(auth(engineer)).send(xo).expect(403);
    await api(w.app).post(base()).set(auth(op)).send(xo).expect(201);
  });

  it('checks every CSV row and creates nothing when one is wrong', async () => {
    const ok = await createTestAccount(w.services.db, { tenant });
    const otherTenant = await createTestTenant(w.services.db);
    const foreign = await createTestAccount(w.services.db, { tenant: otherTenant });
    const csv = [
      'source_user,destination_address,source_password',
      `ann,${ok.address},pw1`,
      `bob,nobody@${tenant.domain},pw2`,
      `carl,${foreign.address},pw3`,
      `dora,${ok.address.toUpperCase()},`,
    ].join('\n');
    const r = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({ name: 'bad csv', source: server(), auth: { method: 'password' }, accountsCsv: csv })
      .expect(400);
    expect(r.body.error.details).toEqual([
      { line: 5, column: 'source_password', message: expect.stringMatching(/required/) },
      { line: 5, column: 'destination_address', message: `${ok.address} is already on line 2` },
    ]);
    const r2 = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({ name: 'bad csv', source: server(), auth: { method: 'password' }, accountsCsv: csv.split('\n').slice(0, 4).join('\n') })
      .expect(400);
    expect(r2.body.error.details).toEqual([
      { line: 3, column: 'destination_address', message: `no account nobody@${tenant.domain} in this tenant (create it first)` },
      { line: 4, column: 'destination_address', message: `no account ${foreign.address} in this tenant (create it first)` },
    ]);
    expect(await w.services.db('migration_projects').where({ tenant_id: tenant.tenantId, name: 'bad csv' }).first()).toBeUndefined();
    expect((await w.services.db('accounts').where({ id: ok.accountId }).first()).inbound_route).toBe('local');

    // adding accounts later: text/csv body, same checks against the project's own rows
    const { id, dests } = await project('grows');
    const more = await createTestAccount(w.services.db, { tenant });
    const dup = await api(w.app)
      .post(`${base()}/${id}/accounts`)
      .set(auth(engineer))
      .set('content-type', 'text/csv')
      .send(`source_user,destination_address\nx1,${dests[0]!.address}\n`)
      .expect(400);
    expect(dup.body.error.details[0].message).toMatch(/already in this project/);
    const added = await api(w.app)
      .post(`${base()}/${id}/accounts`)
      .set(auth(engineer))
      .set('content-type', 'text/csv')
      .send(`source_user,destination_address\nx2,${more.address}\n`)
      .expect(201);
    expect(added.body.items).toHaveLength(1);
    expect((await w.services.db('accounts').where({ id: more.accountId }).first()).inbound_route).toBe('source');
    // an account cannot be in two projects under way at once
    const clash = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({ name: 'clash', source: server(), auth: masterAuth(), accountsCsv: `source_user,destination_address\ny,${more.address}` })
      .expect(400);
    expect(clash.body.error.details[0].message).toMatch(new RegExp(`already being migrated by project ${id}`));
  });
  it('fails an account whose source credentials are refused, with the reason, and retries it', async () => {
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 1);
    const dest = await createTestAccount(w.services.db, { tenant });
    const r = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({
        name: 'wrong password',
        source: server(),
        auth: { method: 'password' },
        accountsCsv: `source_user,destination_address,source_password\n${srcUser},${dest.address},not-the-password\n`,
      })
      .expect(201);
    await api(w.app).post(`${base()}/${r.body.id}/prestage`).set(auth(engineer)).send({}).expect(202);
    const failed = await waitFor('failed pre-stage', async () => {
      const a = (await api(w.app).get(`${base()}/${r.body.id}/accounts`).set(auth(engineer)).expect(200)).body.items[0];
      return a.status === 'failed' ? a : null;
    });
    expect(failed.lastError).toMatch(/^pre-stage failed: MIGRATOR_AUTH_FAILED: login failed for /);
    const events = await api(w.app).get(`${base()}/${r.body.id}/events`).query({ accountId: failed.id }).set(auth(engineer)).expect(200);
    expect(events.body.items.map((e: { kind: string }) => e.kind)).toEqual(['pass.started', 'pass.failed', 'status']);
    // pre-stage again is not how a failed account restarts; retry is
    const again = await api(w.app).post(`${base()}/${r.body.id}/prestage`).set(auth(engineer)).send({}).expect(202);
    expect(again.body).toMatchObject({ started: [], skipped: [{ id: failed.id, reason: 'status is failed, not pending' }] });
    const retried = await api(w.app)
      .post(`${base()}/${r.body.id}/retry`)
      .set(auth(engineer))
      .send({ accountIds: [failed.id] })
      .expect(202);
    expect(retried.body.started).toEqual([{ id: failed.id, sourceUser: srcUser }]);
  });

  it('answers the CLI: postwerk migration show <tenant-slug> <project-name> --json', async () => {
    const { id } = await project('cli view');
    const slug = (await w.services.db('tenants').where({ id: tenant.tenantId }).first('slug')).slug as string;
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    try {
      expect(await runCli(['node', 'postwerk', 'migration', 'show', slug, 'cli view', '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const shown = JSON.parse(out);
    expect(shown.project).toMatchObject({ id, name: 'cli view', status: 'active' });
    expect(shown.accounts).toHaveLength(1);
  });
  it('runs delta passes from the job scheduler: new source mail reaches synced accounts', async () => {
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 2);
    const dest = await createTestAccount(w.services.db, { tenant });
    const r = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({
        name: 'deltas',
        source: server(),
        auth: masterAuth(),
        accountsCsv: `source_user,destination_address\n${srcUser},${dest.address}\n`,
      })
      .expect(201);
    const id = r.body.id as string;
    await api(w.app).post(`${base()}/${id}/prestage`).set(auth(engineer)).send({}).expect(202);
    await waitFor(
      'synced',
      async () => (await api(w.app).get(`${base()}/${id}/accounts`).set(auth(engineer))).body.items[0].status === 'synced',
    );
    await seedSource(srcUser, 'INBOX', 3, 'new');

    await api(w.app).put(`${base()}/${id}/delta-schedule`).set(auth(engineer)).send({ intervalMinutes: 1 }).expect(200);
    // the scheduler's next job waits a minute: bring it forward
    const tick = await waitFor('scheduled delta job', async () =>
      (await w.inspect.getDelayed()).find((j) => j.name === 'migration.delta' && j.data.projectId === id),
    );
    await tick!.promote();
    await waitFor('delta copy', async () => (await destinationCount(w.services, dest.address)) === 5);
    // the pass records its outcome after its last APPEND: wait for the row, not only for the mailbox
    const a = await waitFor('delta recorded', async () => {
      const row = (await api(w.app).get(`${base()}/${id}/accounts`).set(auth(engineer))).body.items[0];
      return row.lastPassMode === 'delta' && row.status === 'synced' ? row : null;
    });
    expect(a).toMatchObject({ status: 'synced', lastPassMode: 'delta', copiedTotal: 5 });
    await api(w.app).delete(`${base()}/${id}/delta-schedule`).set(auth(engineer)).expect(200);
    await waitFor('scheduler removed', async () => !(await w.inspect.getJobScheduler(`migration.delta_${id}`)));
  });
});
