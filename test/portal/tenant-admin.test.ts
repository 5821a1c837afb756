import { systemActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { createAccount } from '../../quotas/use-cases/create-account';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { createTenant } from '../../tenancy/use-cases/create-tenant';
import { testConfig, uniq } from '../support/env';
import { makeStaff, newPage, screenshot, seriousA11yViolations, signIn, startPortalWorld, waitFor, type PortalWorld } from './support';

/**
 * The tenant admin's journey in Chromium: sign in, see the pool, move 100 MiB between two accounts
 * and see the new allocations, have an oversubscription refused with the numbers, switch to German,
 * and use the portal on a phone-sized screen with the keyboard.
 */
jest.setTimeout(120_000);
const MiB = 1024 ** 2;

describe(`portal: tenant admin (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let tenantId: string;
  let alice: { id: string; address: string };
  let bob: { id: string; address: string };
  let admin: { email: string; password: string };

  beforeAll(async () => {
    w = await startPortalWorld();
    const ctx = withActor(w.services, systemActor('portal-test'));
    const slug = uniq('pta');
    const tenant = await createTenant(ctx, { slug, name: `Pool ${slug}`, poolBytes: 1024 * MiB, defaultAllocationBytes: 100 * MiB });
    tenantId = tenant.id;
    await createDomain(ctx, tenantId, { name: `${slug}.test` });
    const pw = `Pw-${uniq()}-x9!`;
    alice = await createAccount(ctx, tenantId, { address: `alice@${slug}.test`, password: pw, allocationBytes: 300 * MiB });
    bob = await createAccount(ctx, tenantId, { address: `bob@${slug}.test`, password: pw, allocationBytes: 200 * MiB });
    admin = await makeStaff(w.services, 'tenant_admin', tenantId);
  });
  afterAll(async () => {
    await w?.close();
  });

  const allocationOf = (address: string) => w.services.db('accounts').where({ address }).first('allocation_bytes');

  it('moves 100 MiB between two accounts, shows the new allocations, and explains an oversubscription with the numbers', async () => {
    const page = await newPage(w);
    await signIn(page, admin);
    await page.waitForURL(new RegExp(`/t/${tenantId}/overview$`));
    await page.getByRole('heading', { name: 'Storage pool' }).waitFor();
    await page.getByTestId('pool-free').filter({ hasText: '524 MiB' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${tenantId}/accounts$`));
    const row = (address: string) => page.locator(`tr[data-address="${address}"] [data-testid="allocation"]`);
    await row(alice.address).filter({ hasText: '300 MiB' }).waitFor();

    // the move helper fills both rows; the free pool is unchanged by a move
    await page.getByLabel('Move from', { exact: true }).selectOption(alice.id);
    await page.getByLabel('to', { exact: true }).selectOption(bob.id);
    await page.getByLabel('Amount (MiB)').fill('100');
    await page.getByRole('button', { name: 'Fill in' }).click();
    await page.getByTestId('free-after').filter({ hasText: 'Free after this change: 524 MiB of 1 GiB' }).waitFor();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Allocations changed.').waitFor();
    await row(alice.address).filter({ hasText: '200 MiB' }).waitFor();
    await row(bob.address).filter({ hasText: '300 MiB' }).waitFor();
    expect(Number((await allocationOf(alice.address)).allocation_bytes)).toBe(200 * MiB);
    expect(Number((await allocationOf(bob.address)).allocation_bytes)).toBe(300 * MiB);
    await screenshot(page, 'tenant-admin-moved');

    // 2000 MiB for bob needs 1700 MiB more than he has; 524 MiB are free: refused, with the numbers
    await page.getByLabel('Account', { exact: true }).selectOption(bob.id);
    await page.getByLabel('New allocation (MiB)').fill('2000');
    await page.getByTestId('free-after').filter({ hasText: 'more than the pool has free' }).waitFor();
    await page.getByRole('button', { name: 'Apply' }).click();
    const refusal = page.getByTestId('refusal');
    await refusal.waitFor();
    const text = await refusal.innerText();
    expect(text).toContain('1.7 GiB more'); // what the change needs (the API's message)
    expect(text).toContain('524 MiB of 1 GiB are free');
    expect(text).toMatch(/Needs 1\.7 GiB more; free: 524 MiB; pool: 1 GiB; allocated: 500 MiB/);
    expect(Number((await allocationOf(bob.address)).allocation_bytes)).toBe(300 * MiB);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'tenant-admin-refused');

    // bookmarkable list state: search and sort live in the URL and survive a reload
    await page.getByLabel('Search accounts').fill('bob');
    await page.waitForURL(/q=bob/);
    await page.reload();
    await page.locator(`tr[data-address="${bob.address}"]`).waitFor();
    expect(await page.locator(`tr[data-address="${alice.address}"]`).count()).toBe(0);
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('q=bob'));

    // German, switched in the header, kept for the next visit
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Postfächer', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Postfächer', exact: true }).waitFor();
    await page.getByLabel('Sprache').selectOption('en');
    await page.context().close();
  });

  it('works on a phone with the keyboard, and picks German from the browser language', async () => {
    const page = await newPage(w, { locale: 'de-DE', viewport: { width: 390, height: 844 } });
    await signIn(page, admin, `/t/${tenantId}/accounts`, 'de');
    // the page first asked for is the one shown after signing in
    await page.waitForURL(new RegExp(`/t/${tenantId}/accounts$`));
    await page.getByRole('heading', { name: 'Postfächer', exact: true }).waitFor();
    // the first Tab reaches the skip link; the menu opens from its button with the keyboard
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Zum Inhalt springen');
    const menu = page.getByRole('button', { name: 'Hauptmenü' });
    await menu.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Aliasse' }).waitFor({ state: 'visible' });
    await page.getByRole('link', { name: 'Aliasse' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/t/${tenantId}/aliases$`));
    await waitFor('menu closed after navigating', async () => !(await page.getByRole('link', { name: 'Aliasse' }).isVisible()));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'tenant-admin-phone');
    await page.context().close();
  });
});
