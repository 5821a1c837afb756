// `npm run bench -- quotas`: reassignments per second and p50/p99 latency at concurrency 50 through
// the real API (express app over HTTP on 127.0.0.1, real Dovecot behind it), on SQLite and on
// PostgreSQL. Each of the 50 clients moves space back and forth between two accounts of its own in
// one tenant, so every request is accepted and all of them contend for the same tenant's pool lock
// (the worst case: one tenant's admins and automation all at once). Usage is collected once before
// the run, as the scheduled collection does in production, so lowering an allocation is checked
// against the recorded figure; BENCH_LIVE_USAGE=1 skips that collection, and every lowering then asks
// Dovecot live (bounded by doveadm's ~40 requests/s on this machine).
// Then the many-tenants mode, in the same run and stack: BENCH_TENANTS (default 50) tenants with one
// client each, moving space between two accounts of its tenant, so that nothing is shared but the
// platform (the API process, the database, and before per-tenant audit chains the one audit head);
// its own line `quotas-tenants: …`.
// Uses the stack in the environment (POSTWERK_*) for its database client and starts a throwaway
// stack (stack/stack.sh) for the other one.
//   BENCH_SECONDS (default 20, the issue's duration), BENCH_CLIENTS (default 50), BENCH_TENANTS (default 50)
import http from 'node:http';
import net from 'node:net';
import { loadConfig, type Config } from '../platform/config';
import { migrateLatest } from '../platform/db';
import { createLogger } from '../platform/logger';
import { createApiApp } from '../control-plane/api/app';
import { createServices } from '../control-plane/services';
import { createTestAccount, createTestTenant, type TestAccount } from '../test/support/fixtures';
import { createToken } from '../test/quotas/support';
import { collectUsage } from '../quotas/use-cases/collect-usage';
import { benchStack } from './support/stack';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
/** the many-tenants mode: this many tenants, one client each */
const TENANTS = Number(process.env.BENCH_TENANTS ?? 50);
const MiB = 1024 ** 2;
const START = 64 * MiB;

type Client = 'sqlite' | 'postgres';

/** The environment of a stack for `client`: the caller's when it is that one, else a throwaway stack. */
async function stackFor(client: Client): Promise<{ env: NodeJS.ProcessEnv; down?: () => void }> {
  const reuse = Boolean(process.env.POSTWERK_IMAP_PORT) && (process.env.POSTWERK_DB_CLIENT ?? 'sqlite') === client;
  return benchStack({
    services: client === 'postgres' ? ['redis', 'postgres', 'dovecot'] : ['redis', 'dovecot'],
    reuse,
    env: { PATH: process.env.PATH, POSTWERK_DB_CLIENT: client },
    prefix: `pwb-q${client[0]}-`,
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

interface Pair {
  url: string;
  token: string;
  a: TestAccount;
  b: TestAccount;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  failures: number;
  seconds: number;
}

/** Each client moves space back and forth between its pair's two accounts for SECONDS. */
async function drive(pairs: Pair[]): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    pairs.map(async ({ url, token, a, b }) => {
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
  const ok = latencies.length - failures;
  return { rps: ok / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0, ok, failures, seconds };
}

type Services = ReturnType<typeof createServices>;

/** Pool and audit totals of `tenantIds`: the run is only counted when nothing was lost or oversubscribed. */
async function check(services: Services, label: string, tenantIds: string[], f: Figures, poolBytes: number): Promise<string> {
  const sums = (await services
    .db('accounts')
    .whereIn('tenant_id', tenantIds)
    .groupBy('tenant_id')
    .select('tenant_id')
    .sum({ s: 'allocation_bytes' })) as Array<{
    s: number | string;
  }>;
  const over = sums.filter((r) => Number(r.s) > poolBytes).length;
  const audited = Number(
    (await services.db('audit_log').whereIn('tenant_id', tenantIds).where({ action: 'quota.reassigned' }).count({ n: '*' }).first())?.n ??
      0,
  );
  if (f.failures || audited !== f.ok || over)
    throw new Error(`${label}: inconsistent result (failures ${f.failures}, audited ${audited} of ${f.ok}, ${over} pools oversubscribed)`);
  return `${f.failures} failed; ${over ? `${over} pools OVERSUBSCRIBED` : 'no pool oversubscribed'}; ${audited} audit entries`;
}

const describe = (label: string, clients: number, f: Figures) =>
  `${label}: ${f.ok} reassignments in ${f.seconds.toFixed(1)} s by ${clients} clients = ${f.rps.toFixed(1)}/s; ` +
  `latency p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`;

async function run(client: Client): Promise<{ one: Figures; many: Figures }> {
  const { env, down } = await stackFor(client);
  const config: Config = loadConfig({ ...env, POSTWERK_LOG_LEVEL: 'error', POSTWERK_API_RATE_LIMIT: '0', POSTWERK_DB_POOL_MAX: '20' });
  const services = createServices(config, { logger: createLogger({ level: 'error' }) });
  const server = http.createServer(createApiApp(services));
  try {
    await migrateLatest(services.db);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/tenants`;
    const collect = async (tenantId: string) => {
      if (process.env.BENCH_LIVE_USAGE !== '1') await collectUsage(services, { tenantId });
    };

    // one tenant, CLIENTS clients: every request contends for the same pool lock and audit chain
    const tenant = await createTestTenant(services.db, { poolBytes: CLIENTS * 2 * START });
    const token = await createToken(services.db, 'tenant_admin', tenant.tenantId);
    const pairs: Pair[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const a = await createTestAccount(services.db, { tenant, quotaBytes: START });
      const b = await createTestAccount(services.db, { tenant, quotaBytes: START });
      pairs.push({ url: `${base}/${tenant.tenantId}/quota/reassignments`, token, a, b });
    }
    await collect(tenant.tenantId);
    const one = await drive(pairs);
    console.log(`${describe(client, CLIENTS, one)}; ${await check(services, client, [tenant.tenantId], one, CLIENTS * 2 * START)}`);

    // TENANTS tenants, one client each (its own token): tenants must not queue behind each other
    const tenantIds: string[] = [];
    const spread: Pair[] = [];
    for (let c = 0; c < TENANTS; c++) {
      const t = await createTestTenant(services.db, { poolBytes: 2 * START });
      const tok = await createToken(services.db, 'tenant_admin', t.tenantId);
      const a = await createTestAccount(services.db, { tenant: t, quotaBytes: START });
      const b = await createTestAccount(services.db, { tenant: t, quotaBytes: START });
      spread.push({ url: `${base}/${t.tenantId}/quota/reassignments`, token: tok, a, b });
      tenantIds.push(t.tenantId);
      await collect(t.tenantId);
    }
    const many = await drive(spread);
    console.log(`${describe(`${client} ${TENANTS} tenants`, TENANTS, many)}; ${await check(services, client, tenantIds, many, 2 * START)}`);
    return { one, many };
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
  console.log(`quotas: ${f(sqlite.one)} (sqlite) ${f(pg.one)} (postgres)`);
  console.log(`quotas-tenants: ${f(sqlite.many)} (sqlite) ${f(pg.many)} (postgres)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
