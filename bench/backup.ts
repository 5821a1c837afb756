// `npm run bench -- backup`: a full backup of a 10,000-message account (the migrate benchmark's size mix,
// one 30 MB message), an incremental pass after 100 new messages, and the p95 of search-then-restore of a
// single message with 100,000 messages indexed (index rows seeded directly). Starts its own stack (Dovecot
// only) when none runs.
//
// In the same run, right after the full backup, the migrator copies the same mailbox (Dovecot to Dovecot,
// through the master user, no verification) into a second account: the reference the full backup aims at
// (at least as fast as the migrator's copy), measured on the same machine at the same time.
// as the worker process does (control-plane/main/worker.ts): before anything uses the thread pool
import '../platform/threadpool';
import { encodeMailboxName } from '../migrator/imap/mailbox-name';
import { RawImapConnection } from '../migrator/imap/raw-append';
import { runMigrationPass } from '../migrator';
import { parseEndpoint } from '../migrator/options';
import { openSqliteStateStore } from '../migrator/state/sqlite';
import * as S from '../test/migrator/support';
import { cpuPerMessage, cpuSnapshot } from './support/cpu';
import { benchStack } from './support/stack';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 10_000);
const INDEXED = Number(process.env.BENCH_INDEXED ?? 100_000);
const RESTORES = Number(process.env.BENCH_RESTORES ?? 40);
const FOLDERS = 20;

function sizeOf(i: number): number {
  if (i === 0) return 30 * 1024 * 1024;
  const r = ((i * 2654435761) % 1000) / 1000;
  if (r < 0.6) return 1500 + Math.floor(r * 10000);
  if (r < 0.9) return 8000 + Math.floor((r - 0.6) * 200000);
  if (r < 0.995) return 70000 + Math.floor((r - 0.9) * 6000000);
  return 1024 * 1024 + Math.floor((r - 0.995) * 600000000);
}

async function ensureStack(): Promise<(() => void) | undefined> {
  const reuse = Boolean(process.env.POSTWERK_IMAP_PORT && process.env.POSTWERK_MASTER_PASSWORD);
  // the services this process builds connect to Redis (the job queue) even though the passes here are called directly
  return (await benchStack({ services: ['redis', 'dovecot'], reuse, intoProcess: true, migrate: true })).down;
}

async function fill(dest: S.DestAccount, from: number, count: number, folders: string[]): Promise<number> {
  const ep = parseEndpoint(S.destEndpoint(dest, { master: true }), 'destination');
  let bytes = 0;
  const per = folders.map((_, f) => Array.from({ length: count }, (_, i) => from + i).filter((i) => i % folders.length === f));
  await Promise.all(
    [0, 1, 2, 3].map(async (w) => {
      const conn = await RawImapConnection.open(ep);
      try {
        for (let f = w; f < folders.length; f += 4) {
          const name = encodeMailboxName(folders[f]!);
          if (folders[f] !== 'INBOX') await conn.command(`CREATE "${name}"`).catch(() => undefined);
          let batch: Array<{ flags: string[]; internalDate: Date; size: number; body: Buffer }> = [];
          let batchBytes = 0;
          const flush = async (): Promise<void> => {
            if (batch.length) await conn.append(name, batch);
            batch = [];
            batchBytes = 0;
          };
          for (const i of per[f]!) {
            const size = sizeOf(i);
            const body =
              size > 64 * 1024
                ? S.bigMessage(`bench ${i}`, size)
                : S.textMessage(`bench ${i}`, { body: 'x'.repeat(Math.max(10, size - 400)).replace(/(.{76})/g, '$1\r\n') + '\r\n' });
            bytes += body.length;
            batch.push({
              flags: i % 3 ? ['\\Seen'] : [],
              internalDate: new Date(Date.UTC(2015 + (i % 10), i % 12, 1 + (i % 28))),
              size: body.length,
              body,
            });
            batchBytes += body.length;
            if (batch.length >= 200 || batchBytes > 8 * 1024 * 1024) await flush();
          }
          await flush();
        }
      } finally {
        await conn.close();
      }
    }),
  );
  return bytes;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function main(): Promise<void> {
  const stop = await ensureStack();
  try {
    const { loadConfig } = await import('../platform/config');
    const { createServices } = await import('../control-plane/services');
    const { withActor } = await import('../platform/context');
    const { cliActor } = await import('../platform/actor');
    const { findAccountByAddress } = await import('../tenancy/repositories/accounts');
    const { backupAccount } = await import('../backup/engine/pass');
    const { searchBackups } = await import('../backup/use-cases/search-backups');
    const { restoreBackup } = await import('../backup/use-cases/restore-backup');

    const services = createServices({ ...loadConfig(), logLevel: 'warn' });
    const ctx = withActor(services, cliActor());
    const dest = await S.createDestinationAccount(8 * 1024 ** 3);
    const folders = ['INBOX', 'Sent', 'Drafts', 'Archive', ...Array.from({ length: FOLDERS - 4 }, (_, i) => `Projects/P${i + 1}`)];
    console.log(`building ${TOTAL} messages in ${folders.length} folders of ${dest.address}`);
    const bytes = await fill(dest, 0, TOTAL, folders);
    const account = (await findAccountByAddress(services.db, dest.address))!;

    const home = process.env.POSTWERK_HOME ?? '/nonexistent';
    const cpu0 = cpuSnapshot(home);
    let t0 = process.hrtime.bigint();
    const full = await backupAccount(services, account, { trigger: 'demand' });
    const fullS = Number(process.hrtime.bigint() - t0) / 1e9;
    const msgRate = full.stats.newMessages / fullS;
    console.log(
      `full: ${full.stats.newMessages} messages, ${(bytes / 1048576).toFixed(0)} MB in ${fullS.toFixed(1)} s: ${msgRate.toFixed(0)} msg/s, ${(bytes / 1048576 / fullS).toFixed(1)} MB/s (${(full.stats.bytesStored / 1048576).toFixed(0)} MB stored)`,
    );

    const cpu1 = cpuSnapshot(home);

    // the reference: the migrator's copy of the same mailbox, measured the same way
    const copyTarget = await S.createDestinationAccount(8 * 1024 ** 3);
    const st = await openSqliteStateStore(':memory:');
    t0 = process.hrtime.bigint();
    const copy = await runMigrationPass(
      { logger: S.silentLogger, migrationId: `bench-backup-${dest.address}` },
      { source: S.destEndpoint(dest, { master: true }), destination: S.destEndpoint(copyTarget), store: st.store },
    );
    const copyS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu2 = cpuSnapshot(home);
    await st.close();
    if (copy.totals.copied !== TOTAL) throw new Error(`the migrator copied ${copy.totals.copied} of ${TOTAL} messages`);
    const copyRate = copy.totals.copied / copyS;
    console.log(`migrator copy: ${copy.totals.copied} messages in ${copyS.toFixed(1)} s: ${copyRate.toFixed(0)} msg/s`);
    // node: this process (the backup pass, or the migrator), dovecot: serving the FETCHes (and the APPENDs of the copy)
    console.log(`CPU ms per message, full backup: ${cpuPerMessage(cpu0, cpu1, TOTAL)}; migrator copy: ${cpuPerMessage(cpu1, cpu2, TOTAL)}`);

    await fill(dest, TOTAL, 100, ['INBOX', 'Sent']);
    t0 = process.hrtime.bigint();
    const inc = await backupAccount(services, account, { trigger: 'demand' });
    const incS = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `incremental: ${inc.stats.newMessages} new in ${incS.toFixed(2)} s (${inc.stats.foldersChanged}/${inc.stats.folders} folders changed)`,
    );

    // seed the index up to INDEXED rows: copies of real rows (their bodies are in the store) with new subjects
    const real = await services.db('backup_messages').where({ account_id: account.id }).whereNull('gone_at').limit(2000);
    const [{ id: folderId }] = await services.db('backup_folders').where({ account_id: account.id, name: 'Archive' }).select('id');
    const seedCount = Math.max(0, INDEXED - Number((await services.db('backup_messages').count({ n: '*' }))[0]!.n));
    console.log(`seeding ${seedCount} index rows`);
    const at = new Date(Date.now() - 86400_000).toISOString();
    await services.db.transaction(async (trx) => {
      let batch: Record<string, unknown>[] = [];
      for (let i = 0; i < seedCount; i++) {
        const r = real[i % real.length]!;
        const { id: _id, ...rest } = r;
        batch.push({
          ...rest,
          folder_id: folderId,
          folder: 'Archive',
          uid: 1_000_000 + i,
          // delimited: a contains-search for invoice 1 must not also match 10, 100, 19999 …
          subject: `seeded invoice <${i}>`,
          first_seen: at,
          gone_at: at,
          close_reason: 'expunged',
        });
        if (batch.length === 40) {
          await trx('backup_messages').insert(batch);
          batch = [];
        }
      }
      if (batch.length) await trx('backup_messages').insert(batch);
    });

    const times: number[] = [];
    for (let k = 0; k < RESTORES; k++) {
      const n = Math.floor((k * 7919) % Math.max(1, seedCount));
      t0 = process.hrtime.bigint();
      const found = await searchBackups(ctx, {
        tenantId: account.tenant_id,
        accountId: account.id,
        subject: `seeded invoice <${n}>`,
        limit: 5,
      });
      const hit = found.items.find((m) => m.subject === `seeded invoice <${n}>`);
      if (!hit) throw new Error(`search for seeded invoice <${n}> found ${found.items.length} others`);
      const r = await restoreBackup(ctx, {
        tenantId: account.tenant_id,
        accountId: account.id,
        scope: 'messages',
        messageIds: [hit.id],
        targetFolder: `Restored/bench ${k}`,
        reason: 'benchmark restore',
      });
      if (r.restored !== 1) throw new Error(`restore ${k} restored ${r.restored}`);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const restoreP95 = p95(times);
    console.log(
      `search-then-restore of one message over ${INDEXED} indexed: p50 ${[...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!.toFixed(0)} ms, p95 ${restoreP95.toFixed(0)} ms`,
    );
    await services.close();
    console.log(
      `backup-vs-migrate: full backup ${msgRate.toFixed(0)} msg/s, migrator copy ${copyRate.toFixed(0)} msg/s, ratio ${(msgRate / copyRate).toFixed(2)}`,
    );
    console.log(`backup: full ${msgRate.toFixed(0)} msg/s; incremental ${incS.toFixed(2)} s; restore p95 ${restoreP95.toFixed(0)} ms`);
  } finally {
    await S.releaseDb();
    stop?.();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
