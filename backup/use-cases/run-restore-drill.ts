import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Ctx, Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { acquireLease, type Lease } from '../engine/lease';
import { restoreMessages } from '../engine/restore';
import { DRILL_SAMPLE, DRILL_SCRATCH_LOCAL_PART, DRILL_SCRATCH_QUOTA_BYTES } from '../limits';
import { findScratchMailbox, insertScratchMailboxIfAbsent, type ScratchMailboxRow } from '../repositories/drills';
import { finishCheck, insertCheck, sampleOpenMessages } from '../repositories/maintenance';
import { lastCompletePassPerAccount } from '../repositories/passes';
import type { BackupMessageRow } from '../repositories/rows';
import { openStore } from '../store/open-store';
import { authorizeTenant, tenantAccounts } from './access';
import { raiseBackupNotification } from './raise-notification';

/**
 * A restore drill of one tenant: a random sample of the messages its backups hold now is restored, with
 * the data key as stored (a key that does not open fails the drill), into a folder of the tenant's
 * scratch mailbox, read back over IMAP and compared by SHA-256 and size with what the index says; the
 * folder is then deleted. The drill holds the backup lease of every sampled account (no pass or garbage
 * collection changes what it samples meanwhile) and of the scratch mailbox (one drill per tenant at a
 * time). It records a `backup_checks` row (kind drill) with the recovery time (store opened to last
 * message verified) and the recovery point of every account (age of its newest complete pass); any
 * failure raises a `backup.drill-failed` notification. Findings are results, not exceptions: only a
 * lease held by a pass throws (`conflict`, the job retries later).
 */
export const runRestoreDrillInput = z.strictObject({ tenantId: z.uuid() });
export type RunRestoreDrillInput = z.infer<typeof runRestoreDrillInput>;

export interface DrillFailure {
  /** backup_messages.id of the sampled message */
  id: number;
  accountId: string;
  folder: string;
  uid: number;
  messageId: string | null;
  hash: string;
  reason: string;
}

export interface AccountRecoveryPoint {
  accountId: string;
  address: string;
  /** when its newest complete pass finished; null: never backed up */
  lastCompleteAt: string | null;
  recoveryPointSeconds: number | null;
}

export interface DrillResult {
  sampled: number;
  passed: number;
  failed: DrillFailure[];
  restoredBytes: number;
  /** store opened (key unwrapped) to the last sampled message read back and compared; null when it never got there */
  recoveryTimeMs: number | null;
  recoveryPoint: {
    accounts: AccountRecoveryPoint[];
    /** the worst (oldest) recovery point over the accounts backed up at least once */
    maxSeconds: number | null;
    oldestAccountId: string | null;
    neverBackedUp: number;
  };
}

export interface DrillReport extends DrillResult {
  id: string;
  tenantId: string;
  status: 'passed' | 'failed';
  startedAt: string;
  finishedAt: string;
  error: string | null;
}

/** Login name of the scratch mailbox: in no real domain, so it is never anybody's address. */
const scratchAddress = (tenantId: string) => `${DRILL_SCRATCH_LOCAL_PART}@${tenantId}.drill.postwerk.invalid`;
/** Folder of one drill; a name per drill so a leftover of a killed drill is recognisable and removed. */
const DRILL_FOLDER_PREFIX = 'Drill ';

async function scratchMailbox(db: Services['db'], tenantId: string): Promise<ScratchMailboxRow> {
  await insertScratchMailboxIfAbsent(db, {
    tenant_id: tenantId,
    address: scratchAddress(tenantId),
    // beside the tenant's account mailboxes (<tenant>/<account uuid>); no account id is this name
    mail_path: `${tenantId}/drill-scratch`,
    quota_bytes: DRILL_SCRATCH_QUOTA_BYTES,
    created_at: nowIso(),
  });
  return (await findScratchMailbox(db, tenantId))!;
}

async function recoveryPoints(db: Services['db'], tenantId: string, now: Date): Promise<DrillResult['recoveryPoint']> {
  const last = new Map((await lastCompletePassPerAccount(db, tenantId)).map((p) => [p.account_id, p.finished_at]));
  const accounts = (await tenantAccounts(db, tenantId)).map((a): AccountRecoveryPoint => {
    const at = last.get(a.id) ?? null;
    return {
      accountId: a.id,
      address: a.address,
      lastCompleteAt: at,
      recoveryPointSeconds: at ? Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000)) : null,
    };
  });
  let oldest: AccountRecoveryPoint | null = null;
  for (const a of accounts)
    if (a.recoveryPointSeconds !== null && (!oldest || a.recoveryPointSeconds > oldest.recoveryPointSeconds!)) oldest = a;
  return {
    accounts,
    maxSeconds: oldest?.recoveryPointSeconds ?? null,
    oldestAccountId: oldest?.accountId ?? null,
    neverBackedUp: accounts.filter((a) => a.lastCompleteAt === null).length,
  };
}

/** One IMAP session on the scratch mailbox, as the master user (the only way in: it has no password). */
async function withScratch<T>(
  services: Pick<Services, 'config' | 'logger'>,
  address: string,
  fn: (c: Awaited<ReturnType<typeof connectPlatformImap>>) => Promise<T>,
) {
  const client = await connectPlatformImap(services.config.dovecot, masterLogin(services.config.dovecot, address), services.logger);
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** `sha256:size` → count of what one folder of the scratch mailbox holds, read back over IMAP. */
async function readBack(services: Pick<Services, 'config' | 'logger'>, address: string, folder: string): Promise<Map<string, number>> {
  return withScratch(services, address, async (c) => {
    const counts = new Map<string, number>();
    if (!(await c.list()).some((f) => f.path === folder)) return counts;
    const lock = await c.getMailboxLock(folder, { readOnly: true });
    try {
      if (!c.mailbox || !Number(c.mailbox.exists)) return counts;
      for await (const m of c.fetch('1:*', { uid: true, source: true }, { uid: true })) {
        if (!m.source) continue;
        const key = `${createHash('sha256').update(m.source).digest('hex')}:${m.source.length}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    } finally {
      lock.release();
    }
  });
}

/** Deletes every drill folder of the scratch mailbox (this drill's and any left by a killed one); the names it could not delete. */
async function clearScratch(services: Pick<Services, 'config' | 'logger'>, address: string): Promise<string[]> {
  return withScratch(services, address, async (c) => {
    const left: string[] = [];
    for (const f of await c.list()) {
      if (!f.path.startsWith(DRILL_FOLDER_PREFIX)) continue;
      await c.mailboxDelete(f.path).catch((e: Error) => {
        services.logger.warn({ folder: f.path, err: e.message }, 'drill scratch folder not deleted');
        left.push(f.path);
      });
    }
    return left;
  });
}

const failure = (row: BackupMessageRow, reason: string): DrillFailure => ({
  id: Number(row.id),
  accountId: row.account_id,
  folder: row.folder,
  uid: Number(row.uid),
  messageId: row.message_id,
  hash: row.hash,
  reason,
});

export async function runRestoreDrill(ctx: Ctx, raw: RunRestoreDrillInput): Promise<DrillReport> {
  const input = runRestoreDrillInput.parse(raw);
  await authorizeTenant(ctx, 'backup.drill', input.tenantId);
  const tenantId = input.tenantId;
  const sample = await sampleOpenMessages(ctx.db, tenantId, DRILL_SAMPLE);
  const scratch = await scratchMailbox(ctx.db, tenantId);

  const leases: Lease[] = [];
  try {
    try {
      // the scratch mailbox's lease is keyed by the tenant id: ids are UUIDs, and no account has the tenant's
      leases.push(await acquireLease(ctx.db, tenantId, `the drill scratch mailbox of tenant ${tenantId}`));
      for (const accountId of new Set(sample.map((r) => r.account_id)))
        leases.push(await acquireLease(ctx.db, accountId, `account ${accountId}`));
    } catch (e) {
      if (e instanceof AppError && e.code === 'conflict') throw new AppError('conflict', `the restore drill waits: ${e.message}`);
      throw e;
    }
    return await drill(ctx, tenantId, sample, scratch, leases);
  } finally {
    for (const l of leases) await l.release().catch(() => undefined);
  }
}

async function drill(
  ctx: Ctx,
  tenantId: string,
  sample: BackupMessageRow[],
  scratch: ScratchMailboxRow,
  leases: Lease[],
): Promise<DrillReport> {
  const id = randomUUID();
  const startedAt = nowIso();
  await insertCheck(ctx.db, {
    id,
    tenant_id: tenantId,
    kind: 'drill',
    status: 'running',
    started_at: startedAt,
    finished_at: null,
    result: null,
    error: null,
  });
  const folder = `${DRILL_FOLDER_PREFIX}${startedAt.slice(0, 19).replace(/[:T]/g, '-')} ${id.slice(0, 8)}`;
  const failed: DrillFailure[] = [];
  let passed = 0;
  let restoredBytes = 0;
  let recoveryTimeMs: number | null = null;
  let error: string | null = null;
  try {
    // a leftover of a killed drill goes first, so the read-back sees only this drill's messages
    await clearScratch(ctx, scratch.address);
    const t0 = performance.now();
    // nothing backed up yet (no key either): nothing to prove, and no alarm for a new tenant
    if (sample.length) {
      const store = await openStore(ctx, tenantId);
      const stats = await restoreMessages(
        ctx,
        { address: scratch.address, allocationBytes: Number(scratch.quota_bytes) },
        store,
        sample.map((row) => ({ row, folder })),
      );
      restoredBytes = stats.restoredBytes;
      for (const l of leases) l.check();
      const unreadable = new Map(stats.failed.map((f) => [f.id, f.reason]));
      const back = await readBack(ctx, scratch.address, folder);
      for (const row of sample) {
        const reason = unreadable.get(Number(row.id));
        if (reason !== undefined) {
          failed.push(failure(row, `not restorable: ${reason}`));
          continue;
        }
        const key = `${row.hash}:${Number(row.size)}`;
        const n = back.get(key) ?? 0;
        if (n > 0) {
          back.set(key, n - 1);
          passed++;
        } else failed.push(failure(row, 'read back over IMAP, the restored message differs from the backed-up bytes (SHA-256 or size)'));
      }
    }
    recoveryTimeMs = Math.round(performance.now() - t0);
  } catch (e) {
    // a key that does not open, Dovecot refusing an APPEND, a lost lease: the drill failed, and says why
    error = (e as Error).message;
  }
  try {
    const left = await clearScratch(ctx, scratch.address);
    if (left.length) error = [error, `scratch folder not removed: ${left.join(', ')}`].filter(Boolean).join('; ');
  } catch (e) {
    error = [error, `scratch folder not removed: ${(e as Error).message}`].filter(Boolean).join('; ');
  }
  const finishedAt = nowIso();
  const result: DrillResult = {
    sampled: sample.length,
    passed,
    failed,
    restoredBytes,
    recoveryTimeMs,
    recoveryPoint: await recoveryPoints(ctx.db, tenantId, new Date(finishedAt)),
  };
  const status = error || failed.length ? 'failed' : 'passed';
  await finishCheck(ctx.db, id, { status, finished_at: finishedAt, result: JSON.stringify(result), error });
  if (status === 'failed') {
    await raiseBackupNotification(ctx, {
      tenantId,
      event: 'backup.drill-failed',
      checkId: id,
      detail: { sampled: sample.length, passed, failed: failed.slice(0, 10), error },
    });
  }
  return { id, tenantId, status, startedAt, finishedAt, error, ...result };
}
