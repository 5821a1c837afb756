import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import {
  api,
  apiToken,
  auth,
  destinationCount,
  destinationImap,
  seedSource,
  source,
  sourceImap,
  startWorld,
  uniqSourceUser,
  waitFor,
  type World,
} from './support';

/**
 * Migration projects end to end against the real servers: the stack's source-imap as the old server,
 * the platform Dovecot as destination, a real BullMQ worker. Pre-stage, delta, a scheduled cut-over
 * whose verification gates the switch, catch-up after the switch.
 */
jest.setTimeout(90_000);

describe(`migration cut-over (${testConfig().db.client})`, () => {
  let w: World;
  let engineer: string;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  const base = () => `/api/v1/tenants/${tenant.tenantId}/migrations`;

  beforeAll(async () => {
    w = startWorld();
    engineer = await apiToken(w.services, 'migration_engineer');
    tenant = await createTestTenant(w.services.db);
  });
  afterAll(async () => {
    await w.close();
  });
  afterEach(() => {
    delete w.hooks.beforeVerify;
  });

  async function accountOf(projectId: string) {
    const r = await api(w.app).get(`${base()}/${projectId}/accounts`).set(auth(engineer)).expect(200);
    return r.body.items[0];
  }
  const waitStatus = (projectId: string, statuses: string[]) =>
    waitFor(`account status ${statuses.join('|')}`, async () => {
      const a = await accountOf(projectId);
      return statuses.includes(a.status) ? a : null;
    });
  const inboundRoute = async (accountId: string) =>
    (await w.services.db('accounts').where({ id: accountId }).first('inbound_route')).inbound_route;
  const auditActions = async (tenantId: string) =>
    (await w.services.db('audit_log').where({ tenant_id: tenantId }).orderBy('id').select('action')).map((r) => r.action as string);

  /** A password-auth project of one account whose source has `folders` (name → count), pre-staged. */
  async function prestagedProject(name: string, folders: Record<string, number>, extra: Record<string, unknown> = {}) {
    const srcUser = uniqSourceUser();
    for (const [folder, count] of Object.entries(folders)) await seedSource(srcUser, folder, count);
    const dest = await createTestAccount(w.services.db, { tenant });
    const created = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({
        name,
        source: { host: source.host(), port: source.port(), security: 'plain' },
        auth: { method: 'password' },
        accountsCsv: `source_user,destination_address,source_password\n${srcUser},${dest.address},"${source.password()}"\n`,
        ...extra,
      })
      .expect(201);
    const projectId = created.body.id as string;
    await api(w.app).post(`${base()}/${projectId}/prestage`).set(auth(engineer)).send({}).expect(202);
    await waitStatus(projectId, ['synced']);
    return { srcUser, dest, projectId };
  }
  const cutOverSoon = (projectId: string) =>
    api(w.app)
      .put(`${base()}/${projectId}/cutover`)
      .set(auth(engineer))
      .send({ at: new Date(Date.now() + 1500).toISOString() })
      .expect(200);
  const reportOf = async (projectId: string, accountId: string) =>
    (await api(w.app).get(`${base()}/${projectId}/accounts/${accountId}/report`).set(auth(engineer)).expect(200)).body;
  async function destinationSubjects(address: string, folder = 'INBOX'): Promise<string[]> {
    const c = await destinationImap(w.services, address);
    try {
      await c.mailboxOpen(folder, { readOnly: true });
      return (await c.fetchAll('1:*', { envelope: true })).map((m) => m.envelope?.subject ?? '').sort();
    } finally {
      await c.logout().catch(() => undefined);
    }
  }

  it('pre-stages, cuts over at the scheduled time only after verification, then catches up', async () => {
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 3);
    await seedSource(srcUser, 'Projects', 2);
    const dest = await createTestAccount(w.services.db, { tenant });

    const created = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({
        name: 'wave 1',
        source: { host: source.host(), port: source.port(), security: 'plain' },
        auth: { method: 'master', user: source.masterUser(), password: source.masterPassword(), style: 'separator', separator: '*' },
        catchupWindowHours: 0.01, // 36 s
        catchupIntervalSeconds: 1,
        accountsCsv: `source_user,destination_address\n${srcUser},${dest.address}\n`,
      })
      .expect(201);
    const projectId = created.body.id as string;
    expect(created.body).toMatchObject({
      status: 'active',
      auth: { method: 'master', user: source.masterUser(), credentialsSet: true },
      accounts: { total: 1, byStatus: { pending: 1 } },
    });
    expect(JSON.stringify(created.body)).not.toContain(source.masterPassword());
    // until the cut-over, inbound mail for the account belongs to the old server
    expect(await inboundRoute(dest.accountId)).toBe('source');

    // credentials are sealed at rest: the master password appears nowhere in the row
    const row = await w.services.db('migration_projects').where({ id: projectId }).first();
    expect(JSON.stringify(row)).not.toContain(source.masterPassword());
    expect(row.credentials_sealed).toMatch(/^pws1\./);

    await api(w.app).post(`${base()}/${projectId}/prestage`).set(auth(engineer)).send({}).expect(202);
    const synced = await waitStatus(projectId, ['synced', 'failed']);
    expect(synced).toMatchObject({ status: 'synced', copiedTotal: 5, lastError: null });
    expect(await destinationCount(w.services, dest.address)).toBe(3);
    expect(await destinationCount(w.services, dest.address, 'Projects')).toBe(2);

    // new mail before the cut-over: the final delta takes it
    await seedSource(srcUser, 'INBOX', 1, 'late');
    await api(w.app)
      .put(`${base()}/${projectId}/cutover`)
      .set(auth(engineer))
      .send({ at: new Date(Date.now() + 2500).toISOString() })
      .expect(200);
    expect(await inboundRoute(dest.accountId)).toBe('source');

    const live = await waitStatus(projectId, ['live', 'failed']);
    expect(live).toMatchObject({ status: 'live', missingMessages: 0 });
    expect(await inboundRoute(dest.accountId)).toBe('local');
    expect(await destinationCount(w.services, dest.address)).toBe(4);

    const report = await api(w.app).get(`${base()}/${projectId}/accounts/${live.id}/report`).set(auth(engineer)).expect(200);
    expect(report.body.verification).toMatchObject({ verified: true, totals: { sourceCount: 6, missing: 0 } });
    expect(report.body.verification.manifestDigest).toMatch(/^[0-9a-f]{64}$/);

    const switchAudit = await w.services.db('audit_log').where({ action: 'migration.account.switched', target_id: dest.accountId }).first();
    expect(JSON.parse(switchAudit.after)).toMatchObject({
      inboundRoute: 'local',
      status: 'live',
      manifestDigest: report.body.verification.manifestDigest,
    });

    // mail that still reaches the old server after the switch arrives through the catch-up passes
    await seedSource(srcUser, 'INBOX', 1, 'after switch');
    await waitFor('catch-up copy', async () => (await destinationCount(w.services, dest.address)) === 5);

    // the destination is the user's mailbox now: what the user deletes there, later rounds leave deleted
    const c = await destinationImap(w.services, dest.address);
    try {
      await c.mailboxOpen('INBOX');
      expect(await c.messageDelete('1', { uid: true })).toBe(true);
    } finally {
      await c.logout().catch(() => undefined);
    }
    const passesBefore = (await accountOf(projectId)).passes as number;
    const later = await waitFor('two more catch-up rounds', async () => {
      const a = await accountOf(projectId);
      return a.passes >= passesBefore + 2 ? a : null;
    });
    expect(later).toMatchObject({ status: 'live', lastPassMode: 'catchup', lastError: null });
    expect(await destinationCount(w.services, dest.address)).toBe(4);

    // after the switch a roll-back is refused, with the reason
    const refused = await api(w.app).post(`${base()}/${projectId}/rollback`).set(auth(engineer)).send({}).expect(409);
    expect(refused.body.error.message).toMatch(/already switched to local delivery.*only possible before the switch/);
    expect(await inboundRoute(dest.accountId)).toBe('local');

    const project = await api(w.app).get(`${base()}/${projectId}`).set(auth(engineer)).expect(200);
    expect(project.body).toMatchObject({ status: 'cut-over', accounts: { byStatus: { live: 1 } } });
    expect(await auditActions(tenant.tenantId)).toEqual(
      expect.arrayContaining([
        'migration.project.created',
        'migration.prestage.started',
        'migration.cutover.scheduled',
        'migration.cutover.started',
        'migration.account.switched',
      ]),
    );
  });

  it('blocks the switch when verification finds a message missing, and says why', async () => {
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 3);
    const dest = await createTestAccount(w.services.db, { tenant });
    const created = await api(w.app)
      .post(base())
      .set(auth(engineer))
      .send({
        name: 'wave 2',
        source: { host: source.host(), port: source.port(), security: 'plain' },
        auth: { method: 'password' },
        accountsCsv: `source_user,destination_address,source_password\n${srcUser},${dest.address},"${source.password()}"\n`,
      })
      .expect(201);
    const projectId = created.body.id as string;
    const accRow = await w.services.db('migration_accounts').where({ project_id: projectId }).first();
    expect(JSON.stringify(accRow)).not.toContain(source.password());

    await api(w.app).post(`${base()}/${projectId}/prestage`).set(auth(engineer)).send({}).expect(202);
    await waitStatus(projectId, ['synced']);

    // between the final delta and the verification, a message disappears from the destination behind the engine's back
    let expunged = 0;
    w.hooks.beforeVerify = async (account) => {
      const c = await destinationImap(w.services, account.destination_address);
      try {
        const lock = await c.getMailboxLock('INBOX');
        try {
          await c.messageDelete('1');
          expunged++;
        } finally {
          lock.release();
        }
      } finally {
        await c.logout().catch(() => undefined);
      }
    };
    await api(w.app)
      .put(`${base()}/${projectId}/cutover`)
      .set(auth(engineer))
      .send({ at: new Date(Date.now() + 1500).toISOString() })
      .expect(200);
    const failed = await waitStatus(projectId, ['failed', 'live']);
    expect(expunged).toBe(1);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(
      /^verification failed: 1 of 3 source messages missing on the destination; first: INBOX uid 1 <.*@old\.test> "INBOX 1"/,
    );
    expect(failed.missingMessages).toBe(1);
    // inbound mail stays with the old server
    expect(await inboundRoute(dest.accountId)).toBe('source');

    const report = await api(w.app).get(`${base()}/${projectId}/accounts/${failed.id}/report`).set(auth(engineer)).expect(200);
    expect(report.body.verification).toMatchObject({ verified: false, totals: { missing: 1 } });
    expect(report.body.verification.folders[0].missing[0]).toMatchObject({ uid: 1, subject: 'INBOX 1' });

    const audit = await w.services.db('audit_log').where({ action: 'migration.account.cutover_failed', target_id: dest.accountId }).first();
    expect(JSON.parse(audit.after)).toMatchObject({ inboundRoute: 'source', missing: 1 });
    const project = await api(w.app).get(`${base()}/${projectId}`).set(auth(engineer)).expect(200);
    expect(project.body.status).toBe('active'); // the engineer may retry and schedule again

    // retry: the account runs a full pass again
    const retried = await api(w.app).post(`${base()}/${projectId}/retry`).set(auth(engineer)).send({}).expect(202);
    expect(retried.body.started).toHaveLength(1);
    // the full pass finds the message missing at the destination and copies it again
    expect(await waitStatus(projectId, ['synced', 'failed'])).toMatchObject({ status: 'synced', copiedTotal: 4 });
    expect(await destinationCount(w.services, dest.address)).toBe(3);
  });

  // issue 11, finding 9: a busy mailbox must be able to finish its cut-over
  it('verifies against the final delta: mail that reaches the source before the verification is a newcomer, caught up after the switch', async () => {
    // no catch-up window: only the cut-over's own catch-up can bring the newcomer over
    const { srcUser, dest, projectId } = await prestagedProject('busy', { INBOX: 2 }, { catchupWindowHours: 0 });
    let appended = 0;
    w.hooks.beforeVerify = async () => {
      await seedSource(srcUser, 'INBOX', 1, 'during the cut-over');
      appended++;
    };
    await cutOverSoon(projectId);
    const live = await waitStatus(projectId, ['live', 'failed']);
    expect(appended).toBe(1);
    expect(live).toMatchObject({ status: 'live', missingMessages: 0 });
    expect(await inboundRoute(dest.accountId)).toBe('local');

    const report = await reportOf(projectId, live.id);
    expect(report.verification).toMatchObject({
      verified: true,
      outcome: 'verified',
      totals: { sourceCount: 2, matched: 2, missing: 0, newcomers: 1 },
    });
    expect(report.verification.folders[0].newcomers).toEqual([expect.objectContaining({ uid: 3, subject: 'during the cut-over 1' })]);
    const switchAudit = await w.services.db('audit_log').where({ action: 'migration.account.switched', target_id: dest.accountId }).first();
    expect(JSON.parse(switchAudit.after).verification).toMatchObject({ missing: 0, newcomers: 1 });

    // the cut-over's catch-up pass copies the newcomer, once
    const events = () => w.services.db('migration_events').where({ migration_account_id: live.id }).orderBy('id').select('kind', 'message');
    const finished = await waitFor('the catch-up pass', async () =>
      (await events()).find((e) => e.kind === 'pass.finished' && e.message.startsWith('catchup pass')),
    );
    expect(finished.message).toMatch(/^catchup pass: copied 1, .* failed 0/);
    expect(await accountOf(projectId)).toMatchObject({ status: 'live', lastPassMode: 'catchup', lastError: null });
    expect(await destinationSubjects(dest.address)).toEqual(['INBOX 1', 'INBOX 2', 'during the cut-over 1']);
    expect((await events()).find((e) => e.kind === 'switched')?.message).toMatch(
      /1 message\(s\) reached the source after the final delta: catching them up/,
    );
  });

  it('control: a message of the final delta that is missing on the destination still fails, newcomers or not', async () => {
    const { srcUser, dest, projectId } = await prestagedProject('busy and lossy', { INBOX: 3 });
    w.hooks.beforeVerify = async (account) => {
      await seedSource(srcUser, 'INBOX', 1, 'during the cut-over');
      const c = await destinationImap(w.services, account.destination_address);
      try {
        await c.mailboxOpen('INBOX');
        expect(await c.messageDelete('1')).toBe(true);
      } finally {
        await c.logout().catch(() => undefined);
      }
    };
    await cutOverSoon(projectId);
    const failed = await waitStatus(projectId, ['failed', 'live']);
    expect(failed).toMatchObject({ status: 'failed', missingMessages: 1 });
    expect(failed.lastError).toMatch(/^verification failed: 1 of 3 source messages missing on the destination; first: INBOX uid 1 /);
    expect(await inboundRoute(dest.accountId)).toBe('source');
    const report = await reportOf(projectId, failed.id);
    expect(report.verification).toMatchObject({ verified: false, outcome: 'missing', totals: { missing: 1, newcomers: 1 } });
  });

  it('a source UIDVALIDITY change between the final delta and the verification fails the cut-over', async () => {
    const { srcUser, dest, projectId } = await prestagedProject('recreated', { INBOX: 1, Projects: 2 });
    let validity: { before?: bigint; after?: bigint } = {};
    // the folder is re-created at the source with the very same messages: by content all is there, but
    // the final delta's UIDs name nothing any more
    w.hooks.beforeVerify = async () => {
      const c = await sourceImap(srcUser);
      try {
        const box = await c.mailboxOpen('Projects', { readOnly: true });
        const before = box.uidValidity;
        const msgs = await c.fetchAll('1:*', { source: true, flags: true, internalDate: true });
        await c.mailboxClose();
        await c.mailboxDelete('Projects');
        await c.mailboxCreate('Projects');
        for (const m of msgs) await c.append('Projects', m.source!, [...(m.flags ?? [])], m.internalDate as Date);
        const st = await c.status('Projects', { uidValidity: true });
        validity = { before, after: st ? st.uidValidity : undefined };
      } finally {
        await c.logout().catch(() => undefined);
      }
    };
    await cutOverSoon(projectId);
    const failed = await waitStatus(projectId, ['failed', 'live']);
    expect(validity.after).toBeDefined();
    expect(validity.after).not.toBe(validity.before);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/folders not verified: Projects \(source UIDVALIDITY changed since the pass that copied it/);
    expect(await inboundRoute(dest.accountId)).toBe('source');
    expect((await reportOf(projectId, failed.id)).verification).toMatchObject({ verified: false, outcome: 'errors' });
  });
});
