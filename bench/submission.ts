// `npm run bench -- submission`: authenticated sends (STARTTLS + AUTH PLAIN) over 20 connections, one
// account each, through submission, the outbound spool and queue, the egress filters (clamd, rspamd told
// the authenticated user) and DKIM signing, to an SMTP sink started here as the smarthost; then the same
// sends with the egress filters off (the same path without clamd and rspamd). Reports sent/s (until the
// sink has every message), the p95 from accepted to sent, and the ratio of the two rates, plus the CPU
// each message cost per server in each phase (bench/support/cpu.ts). Starts its own stack unless
// POSTWERK_* variables point at one. BENCH_MESSAGES (default 1000) messages per phase.
import '../platform/threadpool';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseEnvFile } from '../platform/config';
import { cpuPerMessage, cpuSnapshot } from './support/cpu';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 1000);
const CONNECTIONS = 20;
const ROOT = path.resolve(__dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function ensureStack(): Promise<{ home: string; down?: () => void }> {
  if (process.env.POSTWERK_IMAP_PORT && process.env.POSTWERK_CLAMD_PORT && process.env.POSTWERK_REDIS_URL)
    return { home: process.env.POSTWERK_HOME ?? '/nonexistent' };
  const home = mkdtempSync(path.join(os.tmpdir(), 'postwerk-bench-'));
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, POSTWERK_HOME: home, POSTWERK_REDIS_PERSIST: 'no' };
  for (const v of ['IMAP', 'LMTP', 'DOVEADM', 'REDIS', 'CLAMD', 'RSPAMD', 'RSPAMD_CONTROLLER'])
    env[`POSTWERK_${v}_PORT`] = String(await freePort());
  process.stderr.write(`starting a stack in ${home}\n`);
  execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'up', 'redis', 'clamd', 'rspamd', 'dovecot'], { env, stdio: ['ignore', 2, 2] });
  Object.assign(process.env, parseEnvFile(readFileSync(path.join(home, 'stack.env'), 'utf8')));
  return { home, down: () => execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'down'], { env, stdio: ['ignore', 2, 2] }) };
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;

async function main() {
  const { home, down } = await ensureStack();
  process.env.POSTWERK_LOG_LEVEL = 'silent';
  const { migrateLatest } = await import('../platform/db');
  const F = await import('../test/filters/support');
  const O = await import('../test/outbound/support');
  const { createTestTenant } = await import('../test/support/fixtures');
  const repo = await import('../filters/repositories/messages');

  async function phase(egressScan: boolean) {
    const o = await O.startOutbound({
      egressScan,
      // the bench measures throughput, not the sending limit
      config: (c) => ({
        ...c,
        smtp: { ...c.smtp, maxConnectionsPerClient: 100 },
        outbound: { ...c.outbound, accountLimit: 1e7, tenantLimit: 1e8 },
      }),
    });
    try {
      await migrateLatest(o.p.services.db);
      const tenant = await createTestTenant(o.p.services.db);
      const accounts = await Promise.all(Array.from({ length: CONNECTIONS }, () => F.account(o.p.services.db, { tenant })));
      const tag = `bench-${Date.now()}`;
      const messages = Array.from({ length: TOTAL }, (_, i) => {
        const a = accounts[i % CONNECTIONS]!;
        return {
          a,
          raw: F.message({
            from: a.address,
            to: 'bench@elsewhere.example',
            subject: `${tag} ${i}`,
            body: 'lorem ipsum dolor sit amet '.repeat(180).replace(/(.{76})/g, '$1\r\n'),
          }).raw,
        };
      });
      // DKIM key made before the clock starts (once per domain, not per message)
      const { signingKeyOf } = await import('../filters/outbound/use-cases/dkim-keys');
      await signingKeyOf(o.p.services, tenant.domain);
      const queueIds: string[] = [];
      const cpu0 = cpuSnapshot(home);
      const t0 = Date.now();
      await Promise.all(
        accounts.map(async (a, c) => {
          const t = O.client(o, { user: a.address, pass: a.password }, { pool: true, maxConnections: 1 });
          try {
            for (let i = c; i < messages.length; i += CONNECTIONS) {
              const info = await t.sendMail({ envelope: { from: a.address, to: ['bench@elsewhere.example'] }, raw: messages[i]!.raw });
              queueIds.push(O.queueIdOf(info.response));
            }
          } finally {
            t.close();
          }
        }),
      );
      const acceptedS = (Date.now() - t0) / 1000;
      await O.waitFor('every message at the sink', async () => o.sink.received.filter((m) => m.raw.includes(tag)).length >= TOTAL, 900_000);
      const sentS = (Date.now() - t0) / 1000;
      const cpu1 = cpuSnapshot(home);
      const latencies: number[] = [];
      for (const q of queueIds) {
        const sent = (await repo.listEvents(o.p.services.db, { queueId: q })).find((e) => e.stage === 'sent');
        if (sent?.elapsed_ms != null) latencies.push(sent.elapsed_ms);
      }
      const rate = TOTAL / sentS;
      const name = egressScan ? 'filtered' : 'unfiltered';
      console.log(
        `${name}: accepted ${(TOTAL / acceptedS).toFixed(1)} msg/s; at the sink ${rate.toFixed(1)} msg/s (${sentS.toFixed(1)} s), p95 accepted→sent ${p95(latencies)} ms`,
      );
      console.log(`CPU ms per message, ${name}: ${cpuPerMessage(cpu0, cpu1, TOTAL)}`);
      return { rate, p95: p95(latencies) };
    } finally {
      await o.close();
    }
  }

  try {
    console.log(`${TOTAL} messages of about 5 KB per phase, ${CONNECTIONS} authenticated connections`);
    const filtered = await phase(true);
    const unfiltered = await phase(false);
    console.log(
      `submission: ${filtered.rate.toFixed(1)} msg/s p95 ${filtered.p95} ms; ${(filtered.rate / unfiltered.rate).toFixed(2)} of unfiltered`,
    );
  } finally {
    down?.();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
