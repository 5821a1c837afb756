// `npm run bench -- probes`: probe storage. Inserts a month (BENCH_DAYS, default 31) of simulated probe
// runs, one a minute, for BENCH_TENANTS tenants (default 40) into a fresh database (SQLite in a temp
// folder; POSTWERK_DB_CLIENT=postgres with POSTWERK_DATABASE_URL to measure PostgreSQL), running the
// hourly rollup as the platform would (raw kept 7 days, hourly rows for the rest), then prints rows and
// bytes per row of both tables (indexes included) and the projection for 1,000 tenants at one probe a
// minute: raw 7 days, hourly 400 days. Nothing but the database is needed.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../platform/config';
import { createDb, migrateLatest } from '../platform/db';
import { insertRuns, tableBytes, tableRows } from '../operability/repositories/probes';
import { rollUpProbes } from '../operability/use-cases/roll-up-probes';
import { HOURLY_RETENTION_DAYS, RAW_RETENTION_DAYS } from '../operability/limits';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 40);
const DAYS = Number(process.env.BENCH_DAYS ?? 31);
const PROJECT_TENANTS = 1000;
const DAY_MS = 86_400_000;

/** A latency that looks like one: a base plus a long tail, deterministic per (tenant, minute, step). */
function latency(seed: number, base: number): number {
  const r = ((seed * 2654435761) % 1_000_003) / 1_000_003;
  return Math.round(base * (1 + r * 0.6) + (r > 0.99 ? base * 8 * r : 0));
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'postwerk-bench-probes-'));
  const env: NodeJS.ProcessEnv = { ...process.env, POSTWERK_HOME: home, POSTWERK_LOG_LEVEL: 'silent' };
  if (env.POSTWERK_DB_CLIENT !== 'postgres') env.POSTWERK_DB_FILE = path.join(home, 'bench.db');
  const config = loadConfig(env);
  const db = createDb(config);
  await migrateLatest(db);
  const start = Date.UTC(2026, 9, 1);
  const now = new Date().toISOString();
  const tenants: string[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const id = randomUUID();
    tenants.push(id);
    await db('tenants').insert({
      id,
      slug: `bench-${i}-${id.slice(0, 6)}`,
      name: `Bench ${i}`,
      status: 'active',
      pool_bytes: 1,
      default_allocation_bytes: 1,
      created_at: now,
      updated_at: now,
    });
  }
  console.log(`probes: ${TENANTS} tenants x ${DAYS} days x 1440 runs = ${TENANTS * DAYS * 1440} runs (${config.db.client})`);
  const t0 = performance.now();
  let inserted = 0;
  let rollupMs = 0;
  for (let day = 0; day < DAYS; day++) {
    const rows: Parameters<typeof insertRuns>[1] = [];
    for (const [ti, tenantId] of tenants.entries())
      for (let m = 0; m < 1440; m++) {
        const seed = ti * 1_000_000 + day * 1440 + m;
        const failed = seed % 997 === 0;
        rows.push({
          tenant_id: tenantId,
          at: new Date(start + day * DAY_MS + m * 60_000 + 123).toISOString(),
          minutes: 1,
          ok: !failed,
          failed_step: failed ? 'login' : null,
          error: failed ? 'IMAP login: no answer within 15000 ms' : null,
          login_ms: failed ? null : latency(seed, 40),
          select_ms: failed ? null : latency(seed + 1, 3),
          fetch_ms: failed ? null : latency(seed + 2, 4),
          delivery_ms: failed ? null : latency(seed + 3, 900),
        });
      }
    await db.transaction((trx) => insertRuns(trx, rows));
    inserted += rows.length;
    // the hourly rollup at the end of each simulated day (it runs hourly; a day's pass covers the same rows)
    const r0 = performance.now();
    await rollUpProbes({ db }, new Date(start + (day + 1) * DAY_MS + 60_000));
    rollupMs += performance.now() - r0;
  }
  const insertS = (performance.now() - t0 - rollupMs) / 1000;
  if (config.db.client === 'postgres') await db.raw('VACUUM ANALYZE probe_runs, probe_hourly');
  const rawRows = await tableRows(db, 'probe_runs');
  const hourlyRows = await tableRows(db, 'probe_hourly');
  const rawBytes = await tableBytes(db, 'probe_runs');
  const hourlyBytes = await tableBytes(db, 'probe_hourly');
  const perRaw = rawBytes / Math.max(1, rawRows);
  const perHourly = hourlyBytes / Math.max(1, hourlyRows);
  const rawSteady = PROJECT_TENANTS * RAW_RETENTION_DAYS * 1440;
  const hourlySteady = PROJECT_TENANTS * HOURLY_RETENTION_DAYS * 24;
  const gb = (b: number) => (b / 1e9).toFixed(2);
  console.log(
    `inserted ${inserted} runs in ${insertS.toFixed(1)} s (${Math.round(inserted / insertS)} runs/s); rollups ${(rollupMs / 1000).toFixed(1)} s in all`,
  );
  console.log(`probe_runs: ${rawRows} rows (the last ${RAW_RETENTION_DAYS} days), ${rawBytes} bytes, ${perRaw.toFixed(1)} bytes/row`);
  console.log(`probe_hourly: ${hourlyRows} rows (${DAYS} days), ${hourlyBytes} bytes, ${perHourly.toFixed(1)} bytes/row`);
  console.log(
    `probes: 1000 tenants, 1/min: raw ${rawSteady} rows ${gb(rawSteady * perRaw)} GB + hourly ${hourlySteady} rows ${gb(hourlySteady * perHourly)} GB = ${gb(rawSteady * perRaw + hourlySteady * perHourly)} GB (${config.db.client})`,
  );
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
