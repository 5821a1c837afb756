// Restore: copies backed-up messages back into a live mailbox, roll-forward only. A message is appended
// only when the target folder does not already hold a message with the same bytes (SHA-256), counted per
// copy, so restoring twice adds nothing and nothing is overwritten. Everything that can refuse the restore
// (quota) is checked before the first APPEND; a body that fails verification in the store is reported and
// never appended.
import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { compressUids } from '../../platform/mail/uidset';
import type { BackupMessageRow } from '../repositories/rows';
import type { BodyStore } from '../store/store';
import { isCorruptObject } from '../store/format';
import { MAX_RESTORE_MESSAGE_BYTES } from '../limits';

export interface RestoreItem {
  row: BackupMessageRow;
  /** where it goes: the original folder or a chosen one */
  folder: string;
}

export interface RestoreStats {
  /** messages appended */
  restored: number;
  restoredBytes: number;
  /** already in the target folder (same bytes): left alone */
  present: number;
  foldersCreated: string[];
  failed: Array<{ id: number; hash: string; folder: string; reason: string }>;
}

export type RestoreProgress = { kind: 'plan'; messages: number; bytes: number } | { kind: 'messages'; messages: number; bytes: number };

export interface RestoreTarget {
  address: string;
  allocationBytes: number;
}

/** Hashes of what the live folder holds, looking only at messages whose size matches something to restore. */
async function liveHashes(client: ImapFlow, folder: string, sizes: Set<number>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    if (!client.mailbox || !Number(client.mailbox.exists)) return counts;
    const candidates: number[] = [];
    for await (const m of client.fetch('1:*', { uid: true, size: true }, { uid: true })) {
      if (sizes.has(m.size ?? -1)) candidates.push(m.uid);
    }
    if (!candidates.length) return counts;
    for await (const m of client.fetch(compressUids(candidates), { uid: true, source: true }, { uid: true })) {
      if (!m.source) continue;
      const h = createHash('sha256').update(m.source).digest('hex');
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    return counts;
  } finally {
    lock.release();
  }
}

/** Free bytes of the account: the smaller of its allocation and Dovecot's quota, minus what it uses now. */
async function freeBytes(client: ImapFlow, allocationBytes: number): Promise<number> {
  const q = await client.getQuota('INBOX').catch(() => false as const);
  const usage = q && q.storage ? Number(q.storage.usage ?? 0) : 0;
  const limit = q && q.storage && q.storage.limit ? Math.min(Number(q.storage.limit), allocationBytes) : allocationBytes;
  return Math.max(0, limit - usage);
}

/**
 * Restores `items` into the account. `extraFolders` are created even when nothing goes into them (an
 * account restore re-creates the empty folders it had). Throws AppError('quota_exceeded') before any change
 * when what is missing would not fit.
 */
export async function restoreMessages(
  services: Pick<Services, 'config' | 'logger'>,
  target: RestoreTarget,
  store: BodyStore,
  items: RestoreItem[],
  opts: { extraFolders?: string[]; onProgress?: (e: RestoreProgress) => void } = {},
): Promise<RestoreStats> {
  const stats: RestoreStats = { restored: 0, restoredBytes: 0, present: 0, foldersCreated: [], failed: [] };
  const client = await connectPlatformImap(services.config.dovecot, masterLogin(services.config.dovecot, target.address), services.logger);
  try {
    const existing = new Set((await client.list()).map((f) => f.path));
    const byFolder = new Map<string, RestoreItem[]>();
    for (const it of items) byFolder.set(it.folder, [...(byFolder.get(it.folder) ?? []), it]);

    // ---- plan: what is missing in each target folder, by hash and by copy
    const toAppend: RestoreItem[] = [];
    for (const [folder, list] of byFolder) {
      const live = existing.has(folder) ? await liveHashes(client, folder, new Set(list.map((i) => Number(i.row.size)))) : new Map();
      for (const it of list) {
        const n = live.get(it.row.hash) ?? 0;
        if (n > 0) {
          live.set(it.row.hash, n - 1);
          stats.present++;
        } else toAppend.push(it);
      }
    }
    const needed = toAppend.reduce((s, i) => s + Number(i.row.size), 0);
    const free = await freeBytes(client, target.allocationBytes);
    if (needed > free) {
      throw new AppError(
        'quota_exceeded',
        `the restore needs ${needed} bytes but ${target.address} has ${free} bytes free in its allocation`,
        { neededBytes: needed, freeBytes: free, messages: toAppend.length },
      );
    }
    opts.onProgress?.({ kind: 'plan', messages: toAppend.length, bytes: needed });

    // ---- folders: re-created when gone
    for (const folder of new Set([...(opts.extraFolders ?? []), ...toAppend.map((i) => i.folder)])) {
      if (existing.has(folder)) continue;
      await client.mailboxCreate(folder);
      await client.mailboxSubscribe(folder).catch(() => undefined);
      existing.add(folder);
      stats.foldersCreated.push(folder);
    }

    // ---- append: the bytes as stored, verified first; the original internal date and flags
    for (const it of toAppend) {
      let body: Buffer;
      try {
        body = await store.read(it.row.hash, MAX_RESTORE_MESSAGE_BYTES);
      } catch (e) {
        if (!isCorruptObject(e) && !(e instanceof AppError && e.code === 'payload_too_large')) throw e;
        stats.failed.push({ id: Number(it.row.id), hash: it.row.hash, folder: it.folder, reason: (e as Error).message });
        continue;
      }
      const flags = (JSON.parse(it.row.flags) as string[]).filter((f) => f.toLowerCase() !== '\\recent');
      const res = await client.append(it.folder, body, flags, new Date(it.row.internal_date));
      if (!res) throw new AppError('unavailable', `APPEND into ${it.folder} failed`);
      stats.restored++;
      stats.restoredBytes += body.length;
      opts.onProgress?.({ kind: 'messages', messages: 1, bytes: body.length });
    }
    return stats;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
