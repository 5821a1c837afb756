import type { Role } from '../../platform/actor';
import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { makeStaff, newPage, screenshot, seriousA11yViolations, signIn, startPortalWorld, type PortalWorld } from './support';

/**
 * Each role signs in and sees only its menu and its data; a tenant admin who edits the URL to reach
 * another tenant's account gets the not-found page (the API answers 404 for it, as for a missing one).
 * A mailbox's own user sees only their mailbox, and every staff page by URL is the not-found page.
 */
jest.setTimeout(150_000);

const MENUS: Record<Role, string[]> = {
  tenant_admin: [
    'Overview',
    'Accounts',
    'Aliases',
    'CSV import',
    'Notifications',
    'Tokens & staff',
    'Quarantine',
    'Migrations',
    'Audit log',
  ],
  migration_engineer: ['Migrations'],
  operator: ['Tenants', 'Platform health', 'Audit log', 'Migrations'],
  support: ['Support', 'Message trace', 'Platform health', 'Audit log'],
};

describe(`portal: authorization (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let a: Awaited<ReturnType<typeof createTestTenant>>;
  let b: Awaited<ReturnType<typeof createTestTenant>>;
  let aAccount: Awaited<ReturnType<typeof createTestAccount>>;
  let bAccount: Awaited<ReturnType<typeof createTestAccount>>;

  beforeAll(async () => {
    w = await startPortalWorld();
    a = await createTestTenant(w.services.db);
    b = await createTestTenant(w.services.db);
    aAccount = await createTestAccount(w.services.db, { tenant: a });
    bAccount = await createTestAccount(w.services.db, { tenant: b });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function signedIn(role: Role, tenantId: string | null = null) {
    const page = await newPage(w);
    await signIn(page, await makeStaff(w.services, role, tenantId));
    return page;
  }
  const menuOf = async (page: Awaited<ReturnType<typeof newPage>>) =>
    page.getByRole('navigation', { name: 'Main menu' }).getByRole('link').allInnerTexts();
  const notFoundPage = (page: Awaited<ReturnType<typeof newPage>>) => page.locator('[data-page="not-found"]').waitFor();

  it('a tenant admin sees its own tenant only; another tenant’s account by URL is the not-found page', async () => {
    const page = await signedIn('tenant_admin', a.tenantId);
    await page.waitForURL(new RegExp(`/t/${a.tenantId}/overview$`));
    expect(await menuOf(page)).toEqual(MENUS.tenant_admin);
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.locator(`tr[data-address="${aAccount.address}"]`).waitFor();
    expect(await page.locator('[data-testid="accounts-table"] tbody tr').count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // its own account opens; the same URL with the other tenant's ids does not
    await page.goto(`/t/${a.tenantId}/accounts/${aAccount.accountId}`);
    await page.getByRole('heading', { name: aAccount.address }).waitFor();
    await page.goto(`/t/${b.tenantId}/accounts/${bAccount.accountId}`);
    await notFoundPage(page);
    expect(await page.content()).not.toContain(bAccount.address);
    await screenshot(page, 'authorization-not-found');
    // nor with its own tenant id and the other tenant's account id
    await page.goto(`/t/${a.tenantId}/accounts/${bAccount.accountId}`);
    await notFoundPage(page);
    await page.goto(`/t/${b.tenantId}/overview`);
    await notFoundPage(page);
    // nor the other tenant's quarantine, nor support's message trace
    await page.goto(`/t/${b.tenantId}/quarantine`);
    await notFoundPage(page);
    await page.goto('/support/trace');
    await notFoundPage(page);
    // operator pages are not its to see
    await page.goto('/operator/health');
    await notFoundPage(page);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('a migration engineer sees migrations only', async () => {
    const page = await signedIn('migration_engineer');
    await page.waitForURL(/\/migrations$/);
    expect(await menuOf(page)).toEqual(MENUS.migration_engineer);
    await page.getByRole('link', { name: `Tenant ${a.domain.replace(/\.test$/, '')}` }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.goto('/operator/health');
    await notFoundPage(page);
    // a tenant's tokens and staff: the API refuses (403), the portal shows the not-found page
    await page.goto(`/t/${a.tenantId}/access`);
    await notFoundPage(page);
    await page.context().close();
  });

  it('support sees its pages and every tenant’s accounts', async () => {
    const page = await signedIn('support');
    await page.waitForURL(/\/support$/);
    expect(await menuOf(page)).toEqual(MENUS.support);
    await page.getByLabel('Tenant', { exact: true }).selectOption(b.tenantId);
    await page.getByRole('link', { name: bAccount.address }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Platform health' }).click();
    await page.getByTestId('checks').getByText('database').waitFor();
    await page.context().close();
  });

  it('an operator sees every tenant, platform health and the audit log with its chain verified', async () => {
    const page = await signedIn('operator');
    await page.waitForURL(/\/operator\/tenants$/);
    expect(await menuOf(page)).toEqual(MENUS.operator);
    const tenants = page.getByTestId('tenants-table');
    await tenants.getByRole('link', { name: `Tenant ${a.domain.replace(/\.test$/, '')}` }).waitFor();
    await tenants.getByRole('link', { name: `Tenant ${b.domain.replace(/\.test$/, '')}` }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Platform health' }).click();
    const checks = page.getByTestId('checks');
    for (const name of ['database', 'redis', 'dovecot', 'clamd', 'rspamd']) await checks.getByRole('cell', { name, exact: true }).waitFor();
    await page.getByTestId('queues').getByRole('cell', { name: 'migrations', exact: true }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'operator-health');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action (or prefix like account.)').fill('staff.');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/action=staff\./);
    await page.getByTestId('audit-table').getByRole('cell', { name: 'staff.created' }).first().waitFor();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page
      .getByTestId('chain')
      .filter({ hasText: /Chain (intact|broken)/ })
      .waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('postwerk-audit.csv');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('a mail user sees only their mailbox; staff pages by URL, their own tenant’s included, are the not-found page', async () => {
    const page = await newPage(w);
    await page.goto('/mail');
    await page.getByLabel('Mail address').fill(aAccount.address);
    await page.getByLabel('Mail password').fill(aAccount.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/mail');
    await page.getByRole('heading', { name: `Mailbox ${aAccount.address}` }).waitFor();
    expect(await menuOf(page)).toEqual(['Your mailbox']);
    expect(await page.getByRole('link', { name: 'Your account' }).count()).toBe(0);
    for (const url of [
      `/t/${a.tenantId}/accounts/${aAccount.accountId}`,
      `/t/${a.tenantId}/accounts/${aAccount.accountId}/backups`,
      '/operator/tenants',
      '/support',
      '/account',
    ]) {
      await page.goto(url);
      await notFoundPage(page);
    }
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/mail');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });
});
