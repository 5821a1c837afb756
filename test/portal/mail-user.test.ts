import fs from 'node:fs/promises';
import plist from 'plist';
import { systemActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { runBackup } from '../../backup/use-cases/run-backup';
import { createTestAccount, createTestTenant, type TestAccount } from '../support/fixtures';
import { testConfig } from '../support/env';
import { live, rawMessage, sha, withMailbox } from '../backup/support';
import { newPage, screenshot, seriousA11yViolations, startPortalWorld, type PortalWorld } from './support';

/**
 * The mail user's self-service in Chromium (issue 13): a message in the INBOX is backed up, the user
 * deletes (expunges) it over IMAP, signs in to the portal with the mail address and password, sees the
 * mailbox's usage, finds the message among the deleted ones, restores it, and it is back over IMAP, byte
 * for byte; the usage shows it at once, a second restore adds nothing. Another account's backups stay
 * out of reach: the API answers 404 for its deleted message and 403 for the staff backup search, and a
 * staff page shows the not-found page.
 */
jest.setTimeout(180_000);

async function expunge(w: PortalWorld, address: string, hash: string) {
  await withMailbox(w.services.config, address, async (c) => {
    const uid = (await live(c, 'INBOX')).find((m) => m.hash === hash)!.uid;
    const lock = await c.getMailboxLock('INBOX');
    try {
      expect(await c.messageDelete(String(uid), { uid: true })).toBe(true);
    } finally {
      lock.release();
    }
  });
}

describe(`portal: a mail user restores their own message (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let alice: TestAccount;
  let bob: TestAccount;
  const photos = rawMessage('Holiday photos from Anna', { from: 'Anna <anna@friends.example>' });
  const kept = rawMessage('Dentist on Tuesday');
  const bobs = rawMessage('Bob private letter');

  beforeAll(async () => {
    w = await startPortalWorld();
    const tenant = await createTestTenant(w.services.db);
    alice = await createTestAccount(w.services.db, { tenant, quotaBytes: 100 * 1024 ** 2 });
    bob = await createTestAccount(w.services.db, { tenant });
    await withMailbox(w.services.config, alice.address, async (c) => {
      await c.append('INBOX', photos, ['\\Seen'], new Date('2026-11-20T09:30:00Z'));
      await c.append('INBOX', kept, [], new Date('2026-11-21T10:00:00Z'));
    });
    await withMailbox(w.services.config, bob.address, (c) => c.append('INBOX', bobs, [], new Date('2026-11-22T10:00:00Z')));
    const ctx = withActor(w.services, systemActor('portal-test'));
    const backup = async () => {
      for (const a of [alice, bob])
        expect((await runBackup(ctx, { tenantId: a.tenantId, accountId: a.accountId })).accounts[0]!.status).toBe('done');
    };
    await backup();
    await expunge(w, alice.address, sha(photos));
    await expunge(w, bob.address, sha(bobs));
    await backup();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('signs in with the mail address, sees the usage, finds the deleted message and restores it', async () => {
    const page = await newPage(w);
    await page.goto('/mail');
    await page.waitForURL((u) => u.pathname === '/mail/signin');
    await page.getByRole('heading', { name: 'Sign in to your mailbox' }).waitFor();
    await page.getByLabel('Mail address').fill(alice.address);
    await page.getByLabel('Mail password').fill('not-the-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong address or password').waitFor();
    await page.getByLabel('Mail password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/mail');
    await page.getByRole('heading', { name: `Mailbox ${alice.address}` }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link').allInnerTexts()).toEqual(['Your mailbox']);

    // usage against the allocation, live from Dovecot: one message left
    const usage = page.getByTestId('own-usage');
    await usage.getByText('1 message(s)').waitFor();
    expect(await usage.textContent()).toMatch(/ of 100 MiB used \(\d+(\.\d)? %\)/);

    // the deleted message, found by a search that is in the URL; bob's is not listed
    const rows = page.locator('[data-testid="deleted-messages"] tbody tr');
    await rows.filter({ hasText: 'Holiday photos from Anna' }).waitFor();
    expect(await page.getByText('Bob private letter').count()).toBe(0);
    await page.getByLabel('Subject or sender contains').fill('anna@friends');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('text') === 'anna@friends');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('INBOX');

    await rows.first().getByRole('button', { name: 'Restore “Holiday photos from Anna”' }).click();
    await page.getByTestId('self-restore-done').filter({ hasText: 'Restored into INBOX.' }).waitFor();
    await usage.getByText('2 message(s)').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'mail-user-restore');

    const inbox = await withMailbox(w.services.config, alice.address, (c) => live(c, 'INBOX'));
    const back = inbox.filter((m) => m.hash === sha(photos));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ internalDate: '2026-11-20T09:30:00.000Z', flags: ['\\Seen'] });

    // restoring twice adds nothing
    await rows.first().getByRole('button', { name: 'Restore “Holiday photos from Anna”' }).click();
    await page.getByTestId('self-restore-done').filter({ hasText: 'Already in INBOX: nothing added.' }).waitFor();
    expect(
      (await withMailbox(w.services.config, alice.address, (c) => live(c, 'INBOX'))).filter((m) => m.hash === sha(photos)),
    ).toHaveLength(1);

    // client setup: the Apple profile, downloaded without and then with the password, parsed as a plist
    const setup = page.getByTestId('client-setup');
    await setup.getByRole('heading', { name: 'Set up your devices' }).waitFor();
    // the servers for a client set up by hand, from the configuration (here the public URL's host)
    const settings = setup.getByTestId('client-settings').locator('tbody tr');
    await settings.first().waitFor();
    expect((await settings.allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'Incoming (IMAP) 127.0.0.1 993 SSL/TLS',
      'Incoming (IMAP) 127.0.0.1 143 STARTTLS',
      'Outgoing (SMTP) 127.0.0.1 465 SSL/TLS',
      'Outgoing (SMTP) 127.0.0.1 587 STARTTLS',
    ]);
    const downloadProfile = async () => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        setup.getByRole('button', { name: 'Download profile for Apple devices' }).click(),
      ]);
      expect(file.suggestedFilename()).toBe(`${alice.address}.mobileconfig`);
      const doc = plist.parse(await fs.readFile((await file.path())!, 'utf8')) as { PayloadContent: Array<Record<string, unknown>> };
      return doc.PayloadContent[0]!;
    };
    const plain = await downloadProfile();
    expect(plain).toMatchObject({ EmailAddress: alice.address, IncomingMailServerUsername: alice.address });
    expect(plain).not.toHaveProperty('IncomingPassword');
    expect(await setup.getByLabel('Mail password').count()).toBe(0);
    await setup.getByLabel('Put my password in the profile').check();
    await setup.getByLabel('Mail password').fill(alice.password);
    expect((await downloadProfile()).IncomingPassword).toBe(alice.password);
    // the field is emptied once the file is saved
    expect(await setup.getByLabel('Mail password').inputValue()).toBe('');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // another account's backups: out of reach through the API with this session, and in the portal
    const bobRow = await w.services.db('backup_messages').where({ account_id: bob.accountId }).whereNotNull('gone_at').first();
    expect(bobRow).toBeTruthy();
    const foreign = await page.request.post(`/api/v1/self/deleted/${bobRow.id}/restore`);
    expect(foreign.status()).toBe(404);
    const search = await page.request.get(`/api/v1/tenants/${bob.tenantId}/backups/messages?accountId=${bob.accountId}`);
    expect(search.status()).toBe(403);
    expect((await withMailbox(w.services.config, bob.address, (c) => live(c, 'INBOX'))).map((m) => m.hash)).not.toContain(sha(bobs));
    await page.goto(`/t/${bob.tenantId}/accounts/${bob.accountId}/backups`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();

    // signing out ends the self-service session
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/mail/signin');
    expect((await page.request.get('/api/v1/self/deleted')).status()).toBe(401);
  });

  it('is in German for a German browser', async () => {
    const page = await newPage(w, { locale: 'de-DE' });
    await page.goto('/mail');
    await page.getByLabel('E-Mail-Adresse des Postfachs').fill(alice.address);
    await page.getByLabel('Postfach-Passwort').fill(alice.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: `Postfach ${alice.address}` }).waitFor();
    await page.getByRole('heading', { name: 'Gelöschte Nachrichten' }).waitFor();
    // the usage is its own request: wait for it rather than read the placeholder
    await page
      .getByTestId('own-usage')
      .getByText(/von 100 MiB belegt/)
      .waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
