import { cliActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { createAccount } from '../../quotas/use-cases/create-account';
import { setFilterPolicy } from '../../filters/policy/use-cases/set-filter-policy';
import { makeTenant, strongPassword } from '../control-plane/harness';
import { EICAR, findInMailbox, GTUBE, message, send, waitFinal } from '../filters/quarantine-support';
import { testConfig } from '../support/env';
import { makeStaff, newPage, screenshot, seriousA11yViolations, signIn, startPortalWorld, type PortalWorld } from './support';

/**
 * The tenant admin's quarantine and support's message trace in Chromium (issue 13), over the real
 * mail path: a GTUBE message and an EICAR message sent over SMTP to the real ingress are scanned by
 * rspamd and clamd and quarantined by the tenant's policy. The tenant admin searches the quarantine,
 * sees the virus's release refused by the release policy, previews the spam safely, sees the API's
 * refusal when the policy changes under the open page, releases it, and it is in the INBOX over IMAP;
 * the virus is deleted. Support then traces the message by Message-ID and by recipient.
 */
jest.setTimeout(240_000);

describe(`portal: quarantine and message trace (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let operator: ReturnType<typeof withActor>;
  let tenantId: string;
  let address: string;
  let spam: { messageId: string; queueId: string };
  let clean: { messageId: string; queueId: string };

  beforeAll(async () => {
    w = await startPortalWorld({ filters: true });
    operator = withActor(w.services, cliActor());
    const { tenant, domain } = await makeTenant(operator);
    tenantId = tenant.id;
    address = `alice@${domain.name}`;
    await createAccount(operator, tenant.id, { address, password: strongPassword() });
    await setFilterPolicy(operator, { tenantId, bands: [{ minScore: 10, action: 'quarantine' }] });

    const smtp = { ingress: { port: w.smtpPort } };
    const deliver = async (m: { raw: string; messageId: string }, from: string, outcome: string) => {
      const queueId = await send(smtp, address, m.raw, from);
      const [target] = await waitFinal(w, queueId);
      expect(target!.status).toBe(outcome);
      return { messageId: m.messageId, queueId };
    };
    const s = message({ to: address, subject: 'Quarterly offer you cannot refuse', body: `Buy now!\n${GTUBE}`, from: 'bulk@offers.test' });
    spam = await deliver(s, 'bulk@offers.test', 'quarantined');
    const v = message({ to: address, subject: 'Your invoice (attached)', attachment: EICAR, from: 'billing@malware.test' });
    await deliver(v, 'billing@malware.test', 'quarantined');
    clean = await deliver(message({ to: address, subject: 'Lunch on Friday?' }), 'colleague@sender.test', 'delivered');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('the tenant admin searches, previews, is refused per the release policy, releases, and deletes', async () => {
    const admin = await makeStaff(w.services, 'tenant_admin', tenantId);
    const page = await newPage(w);
    await signIn(page, admin);
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Quarantine' }).click();
    await page.waitForURL((u) => u.pathname === `/t/${tenantId}/quarantine`);
    const rows = page.locator('[data-testid="quarantine-table"] tbody tr');
    await rows.filter({ hasText: 'Your invoice (attached)' }).waitFor();
    expect(await rows.count()).toBe(2);
    // the virus may be released by an operator only (the default release policy): said in its row
    await rows.filter({ hasText: 'Your invoice' }).filter({ hasText: 'Only an operator may release it' }).waitFor();
    await rows.filter({ hasText: 'Quarterly offer' }).filter({ hasText: 'You may release it' }).waitFor();

    // keyset pages of one (a bookmarkable page size): next, next (none after), back, first
    await page.goto(`/t/${tenantId}/quarantine?limit=1`);
    const pages = page.getByRole('navigation', { name: 'Quarantine pages' });
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();
    expect(await rows.count()).toBe(1);
    expect(await pages.getByRole('button', { name: 'First page' }).isDisabled()).toBe(true);
    await pages.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL((u) => u.searchParams.has('cursor') && u.searchParams.get('limit') === '1');
    await rows.filter({ hasText: 'Your invoice' }).waitFor();
    expect(await rows.count()).toBe(1);
    await page.goBack();
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();
    await page.goForward();
    await rows.filter({ hasText: 'Your invoice' }).waitFor();
    await pages.getByRole('button', { name: 'First page' }).click();
    await page.waitForURL((u) => !u.searchParams.has('cursor') && u.searchParams.get('limit') === '1');
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();
    await page.getByLabel('Per page').selectOption('25');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => !u.searchParams.has('limit'));
    await rows.nth(1).waitFor();

    // search by subject: in the query string (bookmarkable), one row
    await page.getByLabel('Subject contains').fill('quarterly');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('subject') === 'quarterly');
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();
    expect(await rows.count()).toBe(1);
    await page.getByLabel('Reason').selectOption('virus');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No quarantined message matches.').waitFor();
    await page.goBack();
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();

    // the virus: its release button is disabled, with the reason
    await page.goto(`/t/${tenantId}/quarantine?reason=virus`);
    await rows.first().getByRole('link', { name: 'Your invoice (attached)' }).click();
    await page.getByRole('heading', { name: 'Quarantined: Your invoice (attached)' }).waitFor();
    const virusUrl = page.url();
    await page.getByTestId('release-refusal').filter({ hasText: 'Only an operator may release it' }).waitFor();
    expect(await page.getByRole('button', { name: 'Release to the inbox' }).isDisabled()).toBe(true);
    await page.getByTestId('quarantine-preview').getByText('eicar.com (application/octet-stream').waitFor();

    // the spam: a safe preview, headers and text only
    await page.goto(`/t/${tenantId}/quarantine?subject=Quarterly`);
    await rows.first().getByRole('link', { name: 'Quarterly offer you cannot refuse' }).click();
    await page.waitForURL(new RegExp(`/t/${tenantId}/quarantine/[0-9a-f-]{36}$`));
    const preview = page.getByTestId('quarantine-preview');
    await preview.getByRole('rowheader', { name: 'Subject' }).waitFor();
    expect(await page.getByTestId('quarantine-text').textContent()).toContain(GTUBE);
    expect(await preview.textContent()).toContain('bulk@offers.test');
    expect(await page.getByTestId('quarantine-facts').textContent()).toContain('spam');
    await page.getByRole('button', { name: 'Release to the inbox' }).and(page.locator(':enabled')).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'quarantine');

    // the policy changes while the page is open: the button was enabled, the API refuses, the page says why
    await setFilterPolicy(operator, { tenantId, releasePolicy: { spam: 'operator' } });
    await page.getByRole('button', { name: 'Release to the inbox' }).click();
    await page.getByRole('alert').filter({ hasText: 'may be released by an operator only' }).waitFor();
    expect(await findInMailbox(w.services.config, address, spam.messageId)).toEqual([]);
    await setFilterPolicy(operator, { tenantId, releasePolicy: { spam: 'tenant_admin' } });

    await page.getByRole('button', { name: 'Release to the inbox' }).click();
    await page
      .getByTestId('release-done')
      .filter({ hasText: `delivered to the inbox of ${address}` })
      .waitFor();
    await page.getByTestId('quarantine-status').filter({ hasText: 'released' }).waitFor();
    expect(await page.getByRole('button', { name: 'Release to the inbox' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('release-refusal').textContent()).toBe('Already released.');
    expect(await page.getByTestId('quarantine-preview').textContent()).toContain('its content is no longer kept');
    const inbox = await findInMailbox(w.services.config, address, spam.messageId);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toContain('Subject: Quarterly offer you cannot refuse');
    expect(inbox[0]).toContain(GTUBE);

    // the virus is deleted for good, after a confirmation
    await page.goto(virusUrl);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.waitForURL((u) => u.pathname === `/t/${tenantId}/quarantine` && u.searchParams.get('deleted') === '1');
    await page.getByText('The message was deleted for good.').waitFor();
    await rows.filter({ hasText: 'Quarterly offer' }).waitFor();
    expect(await rows.count()).toBe(1);
    await page.goto(virusUrl);
    await page.locator('[data-page="not-found"]').waitFor();

    // German
    await page.goto(`/t/${tenantId}/quarantine`);
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Quarantäne' }).waitFor();
    await rows.filter({ hasText: 'zugestellt' }).waitFor();
    await page.context().close();
  });

  it('support traces the message by Message-ID and the recipient’s mail by address', async () => {
    const support = await makeStaff(w.services, 'support');
    const page = await newPage(w);
    await signIn(page, support);
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Message trace' }).click();
    await page.waitForURL((u) => u.pathname === '/support/trace');

    await page.getByLabel('Message-ID').fill(spam.messageId.replace(/^<|>$/g, ''));
    await page.getByRole('button', { name: 'Trace' }).click();
    await page.waitForURL((u) => u.searchParams.has('messageId'));
    const traced = page.getByTestId('traced-message');
    await traced.first().waitFor();
    expect(await traced.count()).toBe(1);
    expect(await traced.getAttribute('data-queue')).toBe(spam.queueId);
    await traced.locator('tr[data-stage="released"]').waitFor();
    const stages = await traced.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-stage')));
    expect(stages[0]).toBe('accepted');
    expect(stages).toEqual(expect.arrayContaining(['accepted', 'scanned', 'quarantined', 'released']));
    expect(stages.indexOf('quarantined')).toBeLessThan(stages.indexOf('released'));
    expect(await traced.locator('tr[data-stage="scanned"]').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringMatching(/spam filter: score \d+\.\d\d/), expect.stringContaining('virus scanner: clean')]),
    );
    expect(await traced.locator('tr[data-stage="quarantined"]').innerText()).toMatch(/quarantined.*\+[\d,]+ ms.*reason: spam/s);
    expect(await traced.locator('tr[data-stage="released"]').innerText()).toContain('released from quarantine');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'message-trace');

    // by recipient, in a time range: all three messages; the clean one was delivered
    await page.getByLabel('Message-ID').fill('');
    await page.getByLabel('Recipient').fill(address);
    await page.getByLabel('From').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Trace' }).click();
    await page.waitForURL((u) => u.searchParams.get('recipient') === address && !u.searchParams.has('messageId'));
    await traced.nth(2).waitFor();
    expect(await traced.count()).toBe(3);
    const lunch = page.locator(`[data-testid="traced-message"][data-queue="${clean.queueId}"]`);
    await lunch.locator('tr[data-stage="delivered"]').waitFor();
    expect(await lunch.textContent()).toContain(clean.messageId);
    expect(await lunch.locator('tr[data-stage="delivered"]').innerText()).toContain('folder: INBOX');

    // a bookmarked trace opens as it was
    const bookmarked = page.url();
    const again = await page.context().newPage();
    await again.goto(bookmarked);
    await again.getByTestId('traced-message').nth(2).waitFor();
    await page.context().close();
  });
});
