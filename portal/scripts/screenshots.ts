// `npm run portal:screenshots`: one screenshot per role for the README's portal section, taken from
// the demo that `npm start` runs (start it first, in another terminal). Signs in with the demo
// logins from $POSTWERK_HOME/demo-credentials.json and writes portal/screenshots/<role>.png, plus the
// mail user's self-service (a demo mailbox) and the second factor's enrolment page (second_factor.png:
// the operator starts an enrolment and never confirms it, so their sign-in stays as it was).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const HOME = process.env.POSTWERK_HOME ?? path.resolve(__dirname, '../../.postwerk');
const URL_BASE =
  process.env.POSTWERK_PUBLIC_URL ?? `http://${process.env.POSTWERK_API_HOST ?? '127.0.0.1'}:${process.env.POSTWERK_API_PORT ?? '8080'}`;
const OUT = path.resolve(__dirname, '../screenshots');
const CHROMIUM = process.env.POSTWERK_CHROMIUM ?? '/usr/bin/chromium';

/** Which page shows each role best, and the demo login of that role (`mail`: a mailbox's own user). */
interface Shot {
  name: string;
  email: string;
  mail?: boolean;
  page(tenantId: string): string;
  /** what to do on the page before the picture */
  act?(page: import('playwright-core').Page): Promise<void>;
}
const SHOTS: Shot[] = [
  { name: 'tenant_admin', email: 'admin@demo.postwerk.test', page: (tenantId) => `/t/${tenantId}/accounts` },
  { name: 'migration_engineer', email: 'migration@postwerk.test', page: (tenantId) => `/t/${tenantId}/migrations` },
  { name: 'operator', email: 'operator@postwerk.test', page: () => '/operator/health' },
  { name: 'support', email: 'support@postwerk.test', page: (tenantId) => `/support?tenant=${tenantId}` },
  { name: 'mail_user', email: 'alice@demo.postwerk.test', mail: true, page: () => '/mail' },
  {
    name: 'second_factor',
    email: 'operator@postwerk.test',
    page: () => '/account/second-factor',
    async act(page) {
      const start = page.getByRole('button', { name: 'Set up the second factor' });
      if (await start.count()) await start.click();
      await page.getByRole('img', { name: 'QR code of the secret for the authenticator app' }).waitFor();
    },
  },
];

async function main() {
  const credFile = path.join(HOME, 'demo-credentials.json');
  if (!fs.existsSync(credFile)) throw new Error(`${credFile} is missing: run npm start first (it seeds the demo and its logins)`);
  const creds = JSON.parse(fs.readFileSync(credFile, 'utf8')) as { staff: Record<string, string>; accounts: Record<string, string> };
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
  try {
    for (const s of SHOTS) {
      const context = await browser.newContext({ baseURL: URL_BASE, locale: 'en-GB', viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      const password = (s.mail ? creds.accounts : creds.staff)[s.email];
      if (!password) throw new Error(`no demo password for ${s.email} in ${credFile}`);
      const signed = s.mail
        ? await page.request.post('/api/v1/self/session', { data: { address: s.email, password } })
        : await page.request.post('/api/v1/auth/session', { data: { email: s.email, password } });
      if (!signed.ok()) throw new Error(`sign-in as ${s.email} failed: ${signed.status()} ${await signed.text()}`);
      let tenantId = '';
      if (!s.mail) {
        const tenants = (await (await page.request.get('/api/v1/tenants?limit=50')).json()) as {
          items: Array<{ id: string; slug: string }>;
        };
        tenantId = (tenants.items.find((t) => t.slug === 'demo') ?? tenants.items[0])?.id ?? '';
      }
      await page.goto(s.page(tenantId));
      await page.waitForLoadState('networkidle');
      await s.act?.(page);
      await page.waitForTimeout(500);
      const file = path.join(OUT, `${s.name}.png`);
      await page.screenshot({ path: file });
      process.stdout.write(`${file}\n`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(`portal:screenshots: ${(e as Error).message}\n`);
  process.exit(1);
});
