// `npm run bench -- ingress`: 2,000 messages of mixed sizes (a few viruses, some spam) over 20 concurrent
// SMTP connections through the whole pipeline (spool, clamd, rspamd, policy, LMTP), then the same
// messages straight into Dovecot over LMTP with no filters, over 20 connections. Reports accepted/s,
// delivered/s, the p95 from accepted to the final outcome, and the ratio to the unfiltered rate.
// Starts its own stack unless POSTWERK_* variables point at one. Also prints the CPU each message cost
// in each server (and in this process, which runs the SMTP clients too) in both phases: the ceiling
// of the ratio on this machine. BENCH_QUERIES=1 lists the SQL statements per message.
// as the filters process does (control-plane/main/filters.ts): before anything uses the thread pool
import '../platform/threadpool';
import nodemailer from 'nodemailer';
import { cpuPerMessage, cpuSnapshot } from './support/cpu';
import { benchStack } from './support/stack';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 2000);
const CONNECTIONS = 20;

async function ensureStack(): Promise<{ home: string; down?: () => void }> {
  const reuse = Boolean(process.env.POSTWERK_IMAP_PORT && process.env.POSTWERK_CLAMD_PORT && process.env.POSTWERK_REDIS_URL);
  return benchStack({ services: ['redis', 'clamd', 'rspamd', 'dovecot'], reuse, intoProcess: true });
}

function sizeOf(i: number): number {
  const r = ((i * 2654435761) % 1000) / 1000;
  if (r < 0.7) return 2000 + Math.floor(r * 8000);
  if (r < 0.95) return 10_000 + Math.floor((r - 0.7) * 400_000);
  return 200_000 + Math.floor((r - 0.95) * 16_000_000);
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;

async function main() {
  const { home, down } = await ensureStack();
  process.env.POSTWERK_LOG_LEVEL = 'silent';
  // loaded after the stack's variables are in the environment
  const { migrateLatest } = await import('../platform/db');
  const S = await import('../test/filters/support');
  const { createTestTenant } = await import('../test/support/fixtures');
  const { deliverLmtp } = await import('../platform/mail/lmtp');
  const repo = await import('../filters/repositories/messages');
  const { SPOOL_SWEEP_INTERVAL_MS } = await import('../filters/limits');
  // the sweep as a filters process runs it (the tests' support sweeps every 2 s)
  const p = await S.startPipeline({
    config: (c) => ({ ...c, smtp: { ...c.smtp, maxConnectionsPerClient: 100 } }),
    sweepMs: SPOOL_SWEEP_INTERVAL_MS,
  });
  try {
    await migrateLatest(p.services.db);
    const qcount = new Map<string, number>();
    if (process.env.BENCH_QUERIES)
      p.services.db.on('query', (q: { sql: string }) => qcount.set(q.sql.slice(0, 160), (qcount.get(q.sql.slice(0, 160)) ?? 0) + 1));
    const tenant = await createTestTenant(p.services.db, { poolBytes: 100 * 1024 ** 3 });
    const accounts = await Promise.all(Array.from({ length: 20 }, () => S.account(p.services.db, { tenant, quotaBytes: 4 * 1024 ** 3 })));
    const messages = Array.from({ length: TOTAL }, (_, i) => {
      const to = accounts[i % accounts.length]!.address;
      const kind = i % 200 === 7 ? 'virus' : i % 40 === 3 ? 'spam' : 'ham';
      const m =
        kind === 'virus'
          ? S.message({ to, attachment: S.EICAR })
          : S.message({
              to,
              body:
                (kind === 'spam' ? `${S.GTUBE}\r\n` : '') +
                'lorem ipsum dolor sit amet '.repeat(Math.ceil(sizeOf(i) / 27)).replace(/(.{76})/g, '$1\r\n'),
            });
      return { to, raw: m.raw, messageId: m.messageId };
    });
    const bytes = messages.reduce((n, m) => n + m.raw.length, 0);
    console.log(`${TOTAL} messages, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${messages.filter((_, i) => i % 200 === 7).length} viruses`);

    // 1. through the ingress and the pipeline
    const queueIds: string[] = [];
    let next = 0;
    const cpu0 = cpuSnapshot(home);
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const t = nodemailer.createTransport({
          host: '127.0.0.1',
          port: p.ingress.port,
          secure: false,
          ignoreTLS: true,
          pool: true,
          maxConnections: 1,
          maxMessages: Infinity,
        });
        try {
          while (next < messages.length) {
            const m = messages[next++]!;
            const info = await t.sendMail({ envelope: { from: 'bench@sender.test', to: [m.to] }, raw: m.raw });
            queueIds.push(S.queueIdOf(info.response));
          }
        } finally {
          t.close();
        }
      }),
    );
    const acceptedS = (Date.now() - t0) / 1000;
    for (const q of queueIds) await S.waitFinal(p, q, 600_000);
    const deliveredS = (Date.now() - t0) / 1000;
    const cpu1 = cpuSnapshot(home);
    if (process.env.BENCH_QUERIES) {
      for (const [q, n] of [...qcount].sort((a, b) => b[1] - a[1])) console.log(String((n / TOTAL).toFixed(2)).padStart(6), q);
      console.log('total per message', [...qcount.values()].reduce((a, b) => a + b, 0) / TOTAL);
    }
    const latencies: number[] = [];
    for (const q of queueIds) {
      const evs = await repo.listEvents(p.services.db, { queueId: q });
      const final = evs.filter((e) => ['delivered', 'quarantined', 'failed', 'discarded'].includes(e.stage)).pop();
      if (final?.elapsed_ms != null) latencies.push(final.elapsed_ms);
    }
    const filteredRate = TOTAL / deliveredS;
    console.log(`accepted: ${(TOTAL / acceptedS).toFixed(1)} msg/s (${acceptedS.toFixed(1)} s)`);
    console.log(
      `delivered (final outcome): ${filteredRate.toFixed(1)} msg/s (${deliveredS.toFixed(1)} s), p95 accepted→final ${p95(latencies)} ms`,
    );

    // 2. the same messages straight over LMTP, no filters
    next = 0;
    const t1 = Date.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < messages.length) {
          const m = messages[next++]!;
          await deliverLmtp(p.config.dovecot, { from: 'bench@sender.test', to: [m.to] }, Buffer.from(m.raw));
        }
      }),
    );
    const lmtpRate = TOTAL / ((Date.now() - t1) / 1000);
    const cpu2 = cpuSnapshot(home);
    console.log(`unfiltered LMTP: ${lmtpRate.toFixed(1)} msg/s`);
    // the filtered phase's CPU includes the bench's own SMTP clients (node), the unfiltered its LMTP clients
    console.log(`CPU ms per message, filtered: ${cpuPerMessage(cpu0, cpu1, TOTAL)}`);
    console.log(`CPU ms per message, unfiltered: ${cpuPerMessage(cpu1, cpu2, TOTAL)}`);
    console.log(
      `ingress: ${filteredRate.toFixed(1)} msg/s p95 ${p95(latencies)} ms; ${(filteredRate / lmtpRate).toFixed(2)} of unfiltered LMTP rate`,
    );
  } finally {
    await p.close();
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
