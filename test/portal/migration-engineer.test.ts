import { createTestAccount, createTestTenant } from '../support/fixtures';
import { testConfig } from '../support/env';
import { destinationCount, seedSource, source, uniqSourceUser } from '../migration-projects/support';
import { makeStaff, newPage, screenshot, seriousA11yViolations, signIn, startPortalWorld, type PortalWorld } from './support';

/**
 * The migration engineer's journey in Chromium against the stack's source IMAP server: create a
 * project (test connection, a CSV with a row error first), pre-stage it and watch the progress live,
 * schedule the cut-over in a chosen time zone, watch the account reach verified and live, read the
 * verification report and download it as JSON and CSV.
 */
jest.setTimeout(150_000);

/** Wall date and time of `ms` in `zone`, as the form's inputs take them. */
function wallIn(zone: string, ms: number) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const g = (t: string) => parts.find((p) => p.type === t)!.value;
  return { date: `${g('year')}-${g('month')}-${g('day')}`, time: `${g('hour')}:${g('minute')}:${g('second')}` };
}

describe(`portal: migration engineer (${testConfig().db.client})`, () => {
  let w: PortalWorld;
  let tenant: Awaited<ReturnType<typeof createTestTenant>>;
  let engineer: { email: string; password: string };

  beforeAll(async () => {
    w = await startPortalWorld({ migrationWorker: true });
    tenant = await createTestTenant(w.services.db);
    engineer = await makeStaff(w.services, 'migration_engineer');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('creates a project against the source server, pre-stages it, schedules the cut-over and sees it verified', async () => {
    const srcUser = uniqSourceUser();
    await seedSource(srcUser, 'INBOX', 4);
    await seedSource(srcUser, 'Projects', 2);
    const dest = await createTestAccount(w.services.db, { tenant });

    const page = await newPage(w);
    await signIn(page, engineer);
    await page.waitForURL(/\/migrations$/);
    await page.getByRole('link', { name: `Tenant ${tenant.domain.replace(/\.test$/, '')}` }).click();
    await page.getByRole('link', { name: 'New project' }).click();
    await page.waitForURL(new RegExp(`/t/${tenant.tenantId}/migrations/new$`));

    await page.getByLabel('Name', { exact: true }).fill('wave 1');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Host').fill(source.host());
    await page.getByLabel('Port').fill(String(source.port()));
    await page.getByLabel('Security').selectOption('plain');
    await page.getByLabel('Admin user').fill(source.masterUser());
    await page.getByLabel('Admin password').fill('not-the-password');
    await page.getByLabel('How the admin logs in').selectOption('separator');
    const csv = page.getByLabel(/^Account pairs/);
    await csv.fill(`source_user,destination_address\n${srcUser},${dest.address}\n`);

    // a wrong password: the test says so, in the server's words
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('connection-result').filter({ hasText: 'Connection test failed' }).waitFor();
    await page.getByLabel('Admin password').fill(source.masterPassword());
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page
      .getByTestId('connection-result')
      .filter({ hasText: `logged in as ${srcUser}` })
      .waitFor();

    // a CSV row error is listed by line, and nothing is created
    await csv.fill(`source_user,destination_address\n${srcUser},${dest.address}\n${srcUser}-2,not-an-address\n`);
    await page.getByRole('button', { name: 'Create project' }).click();
    const rowErrors = page.getByTestId('row-errors');
    await rowErrors.waitFor();
    expect(await rowErrors.innerText()).toMatch(/3\s+destination_address\s+is not an e-mail address/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await csv.fill(`source_user,destination_address\n${srcUser},${dest.address}\n`);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(new RegExp(`/t/${tenant.tenantId}/migrations/[0-9a-f-]{36}$`));
    const row = page.locator(`tr[data-source="${srcUser}"]`);
    await row.and(page.locator('[data-status="pending"]')).waitFor();

    // the pre-stage runs in the worker; the page shows it finish without a reload
    await page.getByRole('button', { name: 'Start pre-stage' }).click();
    await row.and(page.locator('[data-status="synced"]')).waitFor({ timeout: 60_000 });
    expect(await row.innerText()).toContain('6 / 6');
    expect(await destinationCount(w.services, dest.address)).toBe(4);

    await page.getByLabel('Every (minutes)').fill('30');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByTestId('delta-state').filter({ hasText: 'every 30 minutes' }).waitFor();

    // the cut-over in the project's time zone (Berlin), a few seconds from now
    const zone = 'Europe/Berlin';
    const at = Date.now() + 6_000;
    const wall = wallIn(zone, at);
    await page.getByTestId('zone').filter({ hasText: zone }).waitFor();
    await page.getByLabel('Date', { exact: true }).fill(wall.date);
    await page.getByLabel('Time', { exact: true }).fill(wall.time);
    await page.getByRole('button', { name: 'Schedule the cut-over' }).click();
    await page.getByTestId('cutover-state').filter({ hasText: '(Europe/Berlin)' }).waitFor();
    const scheduled = await w.services.db('migration_projects').where({ tenant_id: tenant.tenantId, name: 'wave 1' }).first('cutover_at');
    expect(Math.abs(Date.parse(scheduled.cutover_at) - Math.floor(at / 1000) * 1000)).toBeLessThan(1000);
    await screenshot(page, 'migration-scheduled');

    await row.and(page.locator('[data-status="live"]')).waitFor({ timeout: 60_000 });
    await row.getByRole('button', { name: /Report/ }).click();
    await page.waitForURL(/report=/);
    const report = page.getByTestId('report');
    await report.getByTestId('verified').filter({ hasText: 'Verified: every message arrived.' }).waitFor();
    expect(await report.innerText()).toMatch(/Projects\s+2\s+2\s+2\s+0/);

    const [json] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download JSON' }).click()]);
    const body = JSON.parse(await streamText(await json.createReadStream()));
    expect(body.verification).toMatchObject({ verified: true, totals: { missing: 0 } });
    const [csvFile] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download CSV' }).click()]);
    const lines = (await streamText(await csvFile.createReadStream())).trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^source_user,destination,folder,/);
    expect(lines.some((l) => l.includes(',Projects,Projects,2,2,2,0,'))).toBe(true);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'migration-verified');
    await page.context().close();
  });
});

async function streamText(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
