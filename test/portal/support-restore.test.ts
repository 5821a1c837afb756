import { systemActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { runBackup } from '../../backup/use-cases/run-backup';
import { runRestoreDrill } from '../../backup/use-cases/run-restore-drill';
import { checkIntegrity } from '../../backup/use-cases/check-integrity';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { testConfig } from '../support/env';
import { live, rawMessage, sha, withMailbox } from '../backup/support';
import { makeStaff, newPage, screenshot, seriousA11yViolations, signIn, startPortalWorld, type PortalWorld } from './support';

/**
 * Support's journey in Chromium (issue 13): find a message the user deleted in the account's backups,
 * look at its safe preview, restore it with a reason, and see it back over IMAP, byte-identical; a
 * second restore adds nothing, and the restore is in the account's audit trail.
 */
jest.setTimeout(180_000);

describe(`portal: support restores a deleted message (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let acct: TestAccount;
  let support: { email: string; password: string };
  let invoice: Buffer;

  beforeAll(async () => {
    w = await startPortalWorld();
    const tenant = await createTestTenant(w.services.db);
    acct = await createTestAccount(w.services.db, { tenant });
    support = await makeStaff(w.services, 'support');
    invoice = rawMessage('Invoice 4711 from ACME', { from: 'ACME Billing <billing@acme.example>' });
    await withMailbox(w.services.config, acct.address, async (c) => {
      await c.append('INBOX', invoice, ['\\Seen'], new Date('2026-11-03T08:09:10Z'));
      await c.append('INBOX', rawMessage('Lunch on Friday'), [], new Date('2026-11-04T12:00:00Z'));
    });
    const ctx = withActor(w.services, systemActor('portal-test'));
    const backup = async () =>
      expect((await runBackup(ctx, { tenantId: acct.tenantId, accountId: acct.accountId })).accounts[0]!.status).toBe('done');
    await backup();
    await withMailbox(w.services.config, acct.address, async (c) => {
      const uid = (await live(c, 'INBOX')).find((m) => m.hash === sha(invoice))!.uid;
      const lock = await c.getMailboxLock('INBOX');
      try {
        expect(await c.messageDelete(String(uid), { uid: true })).toBe(true);
      } finally {
        lock.release();
      }
    });
    await backup();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('finds the deleted message, previews it, restores it with a reason, and it is back in the INBOX', async () => {
    const page = await newPage(w);
    const url = `/t/${acct.tenantId}/accounts/${acct.accountId}/backups`;
    await signIn(page, support, url);
    await page.waitForURL((u) => u.pathname === url);
    await page.getByRole('heading', { name: `Backups of ${acct.address}` }).waitFor();

    await page.getByLabel('Subject or sender contains').fill('Invoice 4711');
    await page.getByLabel('Deleted', { exact: true }).selectOption('1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('text') === 'Invoice 4711' && u.searchParams.get('deleted') === '1');
    const rows = page.locator('[data-testid="backup-results"] tbody tr');
    await rows.filter({ hasText: 'Invoice 4711 from ACME' }).waitFor();
    expect(await rows.count()).toBe(1);

    // support says why before it reads the message: without a reason, the reason field says so and nothing is shown
    await rows.first().getByRole('button', { name: 'Preview' }).click();
    const reasonField = page.getByLabel('Reason for the preview and the restore');
    await page.getByText('Give a reason first (at least 5 characters)').waitFor();
    expect(await reasonField.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('backup-preview').count()).toBe(0);

    // one reason for the preview and the restore: both audited with it
    await reasonField.fill('Ticket 8812: deleted by mistake');
    await rows.first().getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('backup-preview');
    await preview.getByText('this is Invoice 4711 from ACME.').waitFor();
    expect(await preview.textContent()).toContain('billing@acme.example');
    const viewed = await w.services.db('audit_log').where({ action: 'support.viewed' }).andWhere('target_id', 'like', '%/preview');
    expect(viewed.map((a: { after: string | null }) => a.after ?? '').join(' ')).toContain('Ticket 8812: deleted by mistake');

    await preview.getByRole('button', { name: 'Restore this message' }).click();
    await page.getByTestId('restore-done').filter({ hasText: 'Restored: 1 message(s) put back, 0 already there.' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'support-restore');

    const inbox = await withMailbox(w.services.config, acct.address, (c) => live(c, 'INBOX'));
    const back = inbox.filter((m) => m.hash === sha(invoice));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ internalDate: '2026-11-03T08:09:10.000Z', flags: ['\\Seen'] });

    // restoring twice adds nothing
    await preview.getByRole('button', { name: 'Restore this message' }).click();
    await page.getByTestId('restore-done').filter({ hasText: 'Restored: 0 message(s) put back, 1 already there.' }).waitFor();
    expect(
      (await withMailbox(w.services.config, acct.address, (c) => live(c, 'INBOX'))).filter((m) => m.hash === sha(invoice)),
    ).toHaveLength(1);

    // the account's audit trail shows the restore with its reason
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.waitForURL((u) => u.pathname === '/audit' && u.searchParams.get('targetId') === acct.accountId);
    await page.locator('[data-page="audit"] tbody tr').filter({ hasText: 'backup.restore' }).first().waitFor();
    const audited = await w.services.db('audit_log').where({ target_id: acct.accountId }).andWhere('action', 'like', 'backup.restore%');
    expect(audited.length).toBeGreaterThanOrEqual(2);
    expect(audited.map((a: { after: string | null }) => a.after ?? '').join(' ')).toContain('Ticket 8812: deleted by mistake');
  });

  it('shows the tenant admin the last restore drill and integrity check with their figures', async () => {
    const ctx = withActor(w.services, systemActor('portal-test'));
    // the restored invoice and the lunch note are both in the mailbox, and now in the backup again
    expect((await runBackup(ctx, { tenantId: acct.tenantId, accountId: acct.accountId })).accounts[0]!.status).toBe('done');
    const drill = await runRestoreDrill(ctx, { tenantId: acct.tenantId });
    expect(drill).toMatchObject({ status: 'passed', sampled: 2, passed: 2 });
    expect((await checkIntegrity(w.services, { tenantId: acct.tenantId })).status).toBe('passed');
    const admin = await makeStaff(w.services, 'tenant_admin', acct.tenantId);
    const page = await newPage(w);
    await signIn(page, admin);
    await page.waitForURL(new RegExp(`/t/${acct.tenantId}/overview$`));
    const health = page.getByTestId('backup-health');
    await health.getByTestId('last-drill').filter({ hasText: 'passed' }).waitFor();
    expect(await health.getByTestId('last-drill').textContent()).toMatch(
      /2 of 2 sampled messages restored identical; recovery point at most \d+ min/,
    );
    await health.getByTestId('last-integrity').filter({ hasText: 'passed' }).waitFor();
    expect(await health.getByTestId('last-integrity').textContent()).toMatch(/[1-9]\d* stored messages read back: 0 missing, 0 corrupt/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'tenant-backup-health');
  });
});
