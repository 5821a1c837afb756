// `npm run bench -- quotas`: reassignments per second and p50/p99 latency at concurrency 50 through
// the real API (express app over HTTP on 127.0.0.1, real Dovecot behind it), on SQLite and on
// PostgreSQL. Each of the 50 clients moves space back and forth between two accounts of its own in
// one tenant, so every request is accepted and all of them contend for the same tenant's pool lock
// (the worst case: one tenant's admins and automation all at once). Usage is collected once before
// the run, as the scheduled collection does in production, so lowering an allocation is checked
// against the recorded figure; BENCH_LIVE_USAGE=1 skips that collection, and every lowering then asks
// Dovecot live (bounded by doveadm's ~40 requests/s on this machine).
// Uses the stack in the environment (POSTWERK_*) for its database client and starts a throwaway
// stack (stack/stack.sh) for the other one.
//   BENCH_SECONDS (default 20, the duration), BENCH_CLIENTS (default 50)
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseEnvFile, type Config } from '../platform/config';
import { migrateLatest } from '../platform/db';
import { createLogger } from '../platform/logger';
import { createApiApp } from '../control-plane/api/app';
import { createServices } from '../control-plane/services';
import { createTestAccount, createTestTenant, type TestAccount } from '../test/support/fixtures';
import { createToken } from '../test/quotas/support';
import { collectUsage } from '../quotas/use-cases/collect-usage';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const ROOT = path.resolve(__dirname, '..');
const MiB = 1024 ** 2;
const START = 64 * MiB;

type Client = 'sqlite' | 'postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The environment of a stack for `client`: the caller's when it is that one, else a throwaway stack. */
async function stackFor(client: Client): Promise<{ env: NodeJS.ProcessEnv; down?: () => void }> {
  const own = process.env.POSTWERK_DB_CLIENT ?? 'sqlite';
  if (process.env.POSTWERK_IMAP_PORT && own === client) return { env: process.env };
  const home = mkdtempSync(path.join(os.tmpdir(), `pwb-q${client[0]}-`));
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    POSTWERK_HOME: home,
    POSTWERK_DB_CLIENT: client,
    POSTWERK_IMAP_PORT: String(await freePort()),
    POSTWERK_LMTP_PORT: String(await freePort()),
    POSTWERK_DOVEADM_PORT: String(await freePort()),
    POSTWERK_REDIS_PORT: String(await freePort()),
    POSTWERK_PG_PORT: String(await freePort()),
    POSTWERK_REDIS_PERSIST: 'no',
  };
  const services = client === 'postgres' ? ['redis', 'postgres', 'dovecot'] : ['redis', 'dovecot'];
  process.stderr.write(`starting a ${client} stack in ${home}\n`);
  execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'up', ...services], { env, stdio: ['ignore', 2, 2] });
  const stackEnv = parseEnvFile(readFileSync(path.join(home, 'stack.env'), 'utf8'));
  return {
    env: { ...env, ...stackEnv },
    down: () => {
      execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'down'], { env, stdio: ['ignore', 2, 2] });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

async function run(client: Client): Promise<{ rps: number; p50: number; p99: number }> {
  const { env, down } = await stackFor(client);
  const config: Config = loadConfig({ ...env, POSTWERK_LOG_LEVEL: 'error', POSTWERK_API_RATE_LIMIT: '0', POSTWERK_DB_POOL_MAX: '20' });
  const services = createServices(config, { logger: createLogger({ level: 'error' }) });
  const server = http.createServer(createApiApp(services));
  try {
    await migrateLatest(services.db);
    const tenant = await createTestTenant(services.db, { poolBytes: CLIENTS * 2 * START });
    const accounts: TestAccount[] = [];
    for (let i = 0; i < CLIENTS * 2; i++) accounts.push(await createTestAccount(services.db, { tenant, quotaBytes: START }));
    const token = await createToken(services.db, 'tenant_admin', tenant.tenantId);
    if (process.env.BENCH_LIVE_USAGE !== '1') await collectUsage(services, { tenantId: tenant.tenantId });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/tenants/${tenant.tenantId}/quota/reassignments`;

    const latencies: number[] = [];
    let failures = 0;
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const [a, b] = [accounts[2 * c]!, accounts[2 * c + 1]!];
        let [ra, rb] = [START, START];
        while (Date.now() < deadline) {
          // move 1..16 MiB from the larger to the smaller account: the pair's sum stays, the pool fits
          const x = (1 + Math.floor(Math.random() * 16)) * MiB;
          [ra, rb] = ra >= rb ? [ra - x, rb + x] : [ra + x, rb - x];
          const t = performance.now();
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              changes: [
                { accountId: a.accountId, allocationBytes: ra },
                { accountId: b.accountId, allocationBytes: rb },
              ],
            }),
          });
          await res.arrayBuffer();
          latencies.push(performance.now() - t);
          if (res.status !== 200) failures++;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const sorted = [...latencies].sort((x, y) => x - y);
    const sum = Number(
      (await services.db('accounts').where({ tenant_id: tenant.tenantId }).sum({ s: 'allocation_bytes' }).first())?.s ?? 0,
    );
    const audited = Number(
      (await services.db('audit_log').where({ tenant_id: tenant.tenantId, action: 'quota.reassigned' }).count({ n: '*' }).first())?.n ?? 0,
    );
    const ok = latencies.length - failures;
    const result = { rps: ok / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    console.log(
      `${client}: ${ok} reassignments in ${seconds.toFixed(1)} s by ${CLIENTS} clients = ${result.rps.toFixed(1)}/s; ` +
        `latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms; ` +
        `${failures} failed; pool ${sum <= CLIENTS * 2 * START ? 'not oversubscribed' : 'OVERSUBSCRIBED'}; ${audited} audit entries`,
    );
    if (failures || audited !== ok || sum > CLIENTS * 2 * START)
      throw new Error(`${client}: inconsistent result (failures ${failures}, audited ${audited} of ${ok}, sum ${sum})`);
    return result;
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await services.close();
    down?.();
  }
}

async function main() {
  const sqlite = await run('sqlite');
  const pg = await run('postgres');
  const f = (r: { rps: number; p99: number }) => `${Math.round(r.rps)} reassign/s p99 ${Math.round(r.p99)} ms`;
  console.log(`quotas: ${f(sqlite)} (sqlite) ${f(pg)} (postgres)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
