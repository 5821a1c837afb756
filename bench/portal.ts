// `npm run bench -- portal`: the portal's first load in Debian's Chromium, as a person meets it:
// a cold cache (new browser profile), the sign-in page until its form is on screen. Prints the bytes
// on the wire (compressed, as sent) and the times, median of RUNS, and then a warm load (the hashed
// assets come from the cache; only index.html is revalidated).
// Needs only the portal's build (npm run portal:build) and Chromium: the API app serves it over an
// empty SQLite database (a signed-out first load asks the API only "who am I?", answered 401).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { silentLogger } from '../platform/logger';
import type { Services } from '../platform/context';
import { createApiApp } from '../control-plane/api/app';
import { PORTAL_DIR } from '../control-plane/main/run';

const RUNS = 5;
const CHROMIUM = process.env.POSTWERK_CHROMIUM ?? '/usr/bin/chromium';

async function main() {
  if (!fs.existsSync(path.join(PORTAL_DIR, 'index.html'))) throw new Error('the portal is not built: npm run portal:build');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'postwerk-bench-portal-'));
  const config = loadConfig({ ...process.env, POSTWERK_HOME: home, POSTWERK_DB_CLIENT: 'sqlite', POSTWERK_LOG_LEVEL: 'silent' });
  const db = createDb(config);
  const services = { config, db, logger: silentLogger, redis: null, queue: null, doveadm: null } as unknown as Services;
  const server = http.createServer(createApiApp(services, { portalDir: PORTAL_DIR }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signin`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const cold: Array<{ bytes: number; requests: number; ms: number; fcp: number }> = [];
    let warm = { bytes: 0, requests: 0, ms: 0, fcp: 0 };
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const load = async () => {
        let bytes = 0;
        let requests = 0;
        const onDone = (e: { encodedDataLength: number }) => {
          bytes += e.encodedDataLength;
          requests++;
        };
        cdp.on('Network.loadingFinished', onDone);
        const t0 = Date.now();
        await page.goto(url);
        await page.getByRole('button', { name: /Sign in|Anmelden/ }).waitFor();
        const ms = Date.now() - t0;
        await page.waitForLoadState('networkidle');
        cdp.off('Network.loadingFinished', onDone);
        const fcp = (await page.evaluate(
          `(performance.getEntriesByName('first-contentful-paint')[0] || { startTime: 0 }).startTime`,
        )) as number;
        return { bytes, requests, ms, fcp: Math.round(fcp) };
      };
      cold.push(await load());
      if (i === RUNS - 1) warm = await load();
      await context.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [i, r] of cold.entries())
      process.stdout.write(`cold ${i + 1}: ${r.bytes} B in ${r.requests} requests, form visible ${r.ms} ms, FCP ${r.fcp} ms\n`);
    process.stdout.write(`warm: ${warm.bytes} B in ${warm.requests} requests, form visible ${warm.ms} ms, FCP ${warm.fcp} ms\n`);
    const files = fs.readdirSync(path.join(PORTAL_DIR, 'assets'));
    const raw = files.reduce((s, f) => s + fs.statSync(path.join(PORTAL_DIR, 'assets', f)).size, 0);
    process.stdout.write(
      `portal: first load ${median(cold.map((r) => r.bytes))} B on the wire (${raw} B of assets uncompressed), sign-in form visible in ${median(cold.map((r) => r.ms))} ms (FCP ${median(cold.map((r) => r.fcp))} ms); warm ${warm.bytes} B, ${warm.ms} ms\n`,
    );
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
    await db.destroy();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench portal: ${(e as Error).stack}\n`);
  process.exit(1);
});
