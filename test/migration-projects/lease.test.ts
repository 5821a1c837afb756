import { processDelta } from '../../migration-projects/processors/delta';
import type { MigrationDeps } from '../../migration-projects/processors/engine';
import { ACCOUNT_BUSY } from '../../migration-projects/processors/lease';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { startFaultProxy, type FaultProxy } from '../migrator/fault-proxy';
import { api, apiToken, auth, destinationCount, seedSource, source, startWorld, uniqSourceUser, waitFor, type World } from './support';

/**
 * Finding 8 of issue 11: one pass at a time per account, for as long as the pass runs. The lease is
 * shortened to a second; a proxy in front of the stack's source holds the delta's first listing command
 * (UID SEARCH / UID FETCH) for well past the lease, a phase that copies nothing and so writes no progress.
 * A second delta of the same account started meanwhile must be refused, and must not run beside it.
 */
jest.setTimeout(90_000);

const LEASE = { durationMs: 1000, renewEveryMs: 200 };

describe(`account lease during a long listing (${testConfig().db.client})`, () => {
  let w: World;
  let proxy: FaultProxy;
  beforeAll(async () => {
    w = startWorld();
    proxy = await startFaultProxy({ host: source.host(), port: source.port() }, { holdCommand: /^\S+ UID (SEARCH|FETCH) /i, armed: false });
  });
  afterAll(async () => {
    await proxy.close();
    await w.close();
  });

  it('renews the lease while the source lists: a second pass of the account is refused, never run beside it', async () => {
    const engineer = await apiToken(w.services, 'migration_engineer');
    const tenant = await createTestTenant(w.services.db);
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 3);
    const dest = await createTestAccount(w.services.db, { tenant });
    const base = `/api/v1/tenants/${tenant.tenantId}/migrations`;
    const created = await api(w.app)
      .post(base)
      .set(auth(engineer))
      .send({
        name: 'lease',
        source: { host: '127.0.0.1', port: proxy.port, security: 'plain' },
        auth: { method: 'password' },
        accountsCsv: `source_user,destination_address,source_password\n${srcUser},${dest.address},"${source.password()}"\n`,
      })
      .expect(201);
    const projectId = created.body.id as string;
    await api(w.app).post(`${base}/${projectId}/prestage`).set(auth(engineer)).send({}).expect(202);
    const row = () => w.services.db('migration_accounts').where({ project_id: projectId }).first();
    const account = await waitFor('account synced', async () => ((await row())?.status === 'synced' ? row() : null));
    await waitFor('pre-stage lease released', async () => (await row())?.lease_owner === null);

    await seedSource(srcUser, 'INBOX', 1, 'new');
    proxy.arm();
    const deps: MigrationDeps = { services: w.services, lease: LEASE };
    const payload = { projectId, accountId: account.id as string };
    const first = processDelta(deps, payload, { id: 'delta-first', attemptsMade: 0, opts: {} });
    await waitFor('the first delta listing the source', async () => proxy.fired() === 1, 30_000, 20);
    const heldSince = Date.now();
    // the listing stays held for three lease periods: without renewal the lease has run out by now
    await waitFor('three lease periods', async () => Date.now() - heldSince > 3 * LEASE.durationMs, 10_000, 50);
    expect((await row()).lease_owner).toBe('delta-first');

    const second = await processDelta(deps, payload, { id: 'delta-second', attemptsMade: 0, opts: {} });
    expect(second).toEqual({ status: 'skipped', detail: { why: 'another pass holds the account', code: ACCOUNT_BUSY } });

    proxy.releaseHold();
    const outcome = await first;
    expect(outcome.status).toBe('done');
    expect(outcome.detail).toMatchObject({ totals: { copied: 1 } });
    expect(await destinationCount(w.services, dest.address)).toBe(4);
    // one pre-stage and one delta started: the second delta never ran
    const started = await w.services.db('migration_events').where({ migration_account_id: account.id, kind: 'pass.started' }).orderBy('id');
    expect(started.map((e) => e.message)).toEqual(['full pass started', 'delta pass started']);
    expect((await row()).lease_owner).toBeNull();
  });
});
