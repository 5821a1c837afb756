import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { systemActor, type Role } from '../../platform/actor';
import type { Config } from '../../platform/config';
import { withActor, type Services } from '../../platform/context';
import { silentLogger } from '../../platform/logger';
import { DoveadmClient } from '../../platform/mail/doveadm';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { createApiApp } from '../../control-plane/api/app';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { PORTAL_DIR } from '../../control-plane/main/run';
import { migrationJobHandlers } from '../../migration-projects';
import { filterJobHandlers, openSpool, startIngress, type Ingress } from '../../filters';
import { testConfig, testDb, uniq } from '../support/env';

/**
 * A portal test world: the real API (every route) serving the portal's build on a free port over the
 * shared test database and the real Dovecot, a migration worker on a queue prefix of its own, and
 * Debian's Chromium driven by playwright-core. Each journey signs in as a staff user it creates.
 */
export interface PortalWorld {
  services: Services;
  baseUrl: string;
  browser: Browser;
  /** the SMTP ingress's port, with `filters: true` */
  smtpPort: number;
  close(): Promise<void>;
}

/** The flags of /work/shared/STACK-NOTES.md ("Chromium"); a fresh profile per launch. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const CHROMIUM = process.env.POSTWERK_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/portal');

/**
 * `filters`: also the inbound mail path (the SMTP ingress on a free port and a filters worker), with a
 * spool and quarantine of this world alone, which the API's quarantine routes read too. `config`: settings
 * over the test configuration (e.g. `secondFactorRequiredRoles`).
 */
export async function startPortalWorld(
  opts: { migrationWorker?: boolean; filters?: boolean; config?: Partial<Config> } = {},
): Promise<PortalWorld> {
  if (!fs.existsSync(path.join(PORTAL_DIR, 'index.html')))
    throw new Error(`the portal is not built (${PORTAL_DIR}): run npm run portal:build (stack/install.sh does)`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (stack/install.sh does as root)`);
  const base = testConfig();
  let config: Config = { ...base, passwordCost: 4, api: { ...base.api, rateLimitPerMinute: 0 }, ...opts.config };
  const home = opts.filters ? fs.mkdtempSync(path.join(os.tmpdir(), 'pw-portal-')) : null;
  if (home)
    config = {
      ...config,
      home,
      smtp: { ...config.smtp, hostname: 'mx.postwerk.test', spoolDir: path.join(home, 'spool') },
      quarantineDir: path.join(home, 'quarantine'),
    };
  const db = testDb();
  const redis = createRedis(config.redisUrl);
  const prefix = uniq('pwportal');
  const queue = new JobQueue(redis, prefix);
  const services: Services = { config, db, logger: silentLogger, redis, queue, doveadm: new DoveadmClient(config.dovecot) };
  const workers: Worker[] = [];
  if (opts.migrationWorker) {
    workers.push(
      startWorker({
        redisUrl: config.redisUrl,
        queue: 'migrations',
        handlers: migrationJobHandlers(services, {}),
        logger: silentLogger,
        prefix,
        concurrency: 2,
      }),
    );
  }
  let ingress: Ingress | undefined;
  if (opts.filters) {
    const spool = await openSpool(services);
    ingress = await startIngress({ ...services, spool }, { port: 0, host: '127.0.0.1' });
    workers.push(
      startWorker({
        redisUrl: config.redisUrl,
        queue: 'filters',
        handlers: filterJobHandlers(services, spool),
        logger: silentLogger,
        prefix,
      }),
    );
  }
  const server = http.createServer(createApiApp(services, { portalDir: PORTAL_DIR }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  return {
    services,
    baseUrl,
    browser,
    smtpPort: ingress?.port ?? 0,
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await ingress?.close();
      for (const worker of workers) {
        await worker.close();
        (worker.opts.connection as Redis).disconnect();
      }
      await queue.close();
      redis.disconnect();
      await db.destroy();
      if (home) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function makeStaff(services: Services, role: Role, tenantId: string | null = null) {
  const email = `${uniq(role.replace('_', ''))}@staff.test`.toLowerCase();
  const password = `Pw-${uniq()}-x9!`;
  await createStaffUser(withActor(services, systemActor('portal-test')), { email, name: `Test ${role}`, role, tenantId, password });
  return { email, password, role };
}

/** A page in English on a laptop-sized window (or `viewport` for a phone). */
export async function newPage(w: PortalWorld, opts: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await w.browser.newContext({
    baseURL: w.baseUrl,
    locale: opts.locale ?? 'en-GB',
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  // generous: the machine is shared, and a wait that finds its element returns at once
  page.setDefaultTimeout(40_000);
  return page;
}

const SIGN_IN = {
  en: { email: 'E-mail address', password: 'Password', button: 'Sign in' },
  de: { email: 'E-Mail-Adresse', password: 'Passwort', button: 'Anmelden' },
};

/** Opens `next`, is sent to the sign-in page, signs in, and is sent back. */
export async function signIn(page: Page, who: { email: string; password: string }, next = '/', lang: 'en' | 'de' = 'en') {
  const l = SIGN_IN[lang];
  await page.goto(next);
  await page.waitForURL(/\/signin/);
  await page.getByLabel(l.email).fill(who.email);
  await page.getByLabel(l.password).fill(who.password);
  await page.getByRole('button', { name: l.button }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's WCAG 2 A/AA rules on the page as it is; returns the serious and critical violations. */
export async function seriousA11yViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string | null; help: string; targets: string[] }>> {
  // evaluated through the debugging protocol: the portal's CSP (rightly) refuses inline scripts
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
  // a string, evaluated in the page (this file is compiled without the DOM's types)
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Polls `probe` until truthy; fails with the last value seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T>, timeoutMs = 40_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
