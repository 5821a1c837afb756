// Pre-flight lists what will not fit before anything is written; a size cap skips and reports;
// a later run retries only the messages that failed (from the report's retry list).
import { MigratorError, buildReport, preflight, runMigrationPass, verifyMailbox } from '../../migrator';
import * as S from './support';

jest.setTimeout(60_000);

async function folderNames(ep: Parameters<typeof S.connect>[0]): Promise<string[]> {
  const c = await S.connect(ep);
  try {
    return (await c.list()).map((f) => f.path).sort();
  } finally {
    await c.logout();
  }
}

describe('migrator: pre-flight, size cap, retry of failed messages', () => {
  const state = S.useStateStore();

  it('a size cap skips and reports large messages; verification counts them as skipped, not missing', async () => {
    const user = S.uniqUser('cap');
    await S.bulkLoad(S.sourceEndpoint(user), 'INBOX', 5, (i) => (i === 2 ? 300 * 1024 : 2000));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `cap-${user}` };
    const input = {
      source: S.sourceEndpoint(user, { master: true }),
      destination: S.destEndpoint(dest),
      store: state().store,
      options: { maxMessageBytes: 100 * 1024 },
    };
    // a dry run plans and checks, and writes nothing
    const before = await folderNames(S.destEndpoint(dest));
    const dry = await runMigrationPass(ctx, {
      ...input,
      options: { ...input.options, exclude: [], dryRun: true, folderMap: { INBOX: 'Elsewhere' } },
    });
    expect(dry.totals.copied).toBe(0);
    expect(dry.folders[0].sourceCount).toBe(5);
    expect(await folderNames(S.destEndpoint(dest))).toEqual(before);

    const pre = await preflight(ctx, input);
    expect(pre.preflight.wontFit).toEqual([expect.objectContaining({ folder: 'INBOX', uid: 3, reason: 'larger than size cap 102400' })]);
    const pass = await runMigrationPass(ctx, input);
    expect(pass.totals).toMatchObject({ copied: 4, skipped: 1, failed: 0 });
    const report = await verifyMailbox(ctx, input);
    expect(report.totals).toMatchObject({ matched: 4, skipped: 1, missing: 0 });
    // issue 11 finding 3: nothing is missing, but a skipped message is no "verified"
    expect(report.verified).toBe(false);
    expect(report.outcome).toBe('verified-except-skipped');
  });

  (S.onPlatformStack() ? it : it.skip)(
    'stops before writing anything when the quota is too small, and retries only what failed',
    async () => {
      const user = S.uniqUser('quota');
      await S.bulkLoad(S.sourceEndpoint(user), 'INBOX', 20, () => 20_000);
      await S.bulkLoad(S.sourceEndpoint(user), 'Work', 20, () => 20_000);
      const dest = await S.createDestinationAccount(300 * 1024);
      const ctx = { logger: S.silentLogger, migrationId: `quota-${user}` };
      const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
      const before = await folderNames(S.destEndpoint(dest));

      const err = await runMigrationPass(ctx, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigratorError);
      expect((err as MigratorError).code).toBe('MIGRATOR_PREFLIGHT_FAILED');
      expect((err as MigratorError).message).toMatch(/destination quota too small/);
      expect(await folderNames(S.destEndpoint(dest))).toEqual(before); // nothing written

      // copy what fits: the rest fails with OVERQUOTA and lands in the report's retry list
      const partial = await runMigrationPass(ctx, { ...input, options: { failOnQuota: false } });
      expect(partial.totals.failed).toBeGreaterThan(0);
      expect(partial.folders.flatMap((f) => f.failed).every((f) => /quota/i.test(f.error))).toBe(true);
      const report = buildReport(ctx.migrationId, partial, await verifyMailbox(ctx, input));
      expect(report.verified).toBe(false);
      const retryCount = Object.values(report.retry).flat().length;
      expect(retryCount).toBe(partial.totals.failed);

      await S.setDestinationQuota(dest.address, 100 * 1024 * 1024);
      const retried = await runMigrationPass(ctx, { ...input, options: { onlyUids: report.retry } });
      expect(retried.totals.copied).toBe(retryCount);
      expect(retried.totals.failed).toBe(0);
      expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    },
  );
});
