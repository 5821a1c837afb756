import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { MAINTENANCE_BATCH } from '../limits';
import { finishCheck, indexedHashesPage, insertCheck, referencedHashes } from '../repositories/maintenance';
import { openStore } from '../store/open-store';
import { isCorruptObject } from '../store/store';
import { raiseBackupNotification } from './raise-notification';
import { quietly } from '../export/backup-source';

/**
 * The integrity job of one tenant: every body the index names is read back from the store, decrypted
 * with the key as stored and hashed (the store's own reader verifies each chunk and the whole body).
 * Missing and corrupt bodies are listed in the check's result; any problem fails the check and raises
 * a notification (audit entry and notification row).
 */
export const checkIntegrityInput = z.strictObject({ tenantId: z.uuid() });
export type CheckIntegrityInput = z.infer<typeof checkIntegrityInput>;

/** At most this many problems are listed one by one; the counts are always complete. */
const LISTED_PROBLEMS = 100;

export async function checkIntegrity(services: Pick<Services, 'db' | 'config' | 'logger'>, raw: CheckIntegrityInput) {
  const input = checkIntegrityInput.parse(raw);
  const id = randomUUID();
  await insertCheck(services.db, {
    id,
    tenant_id: input.tenantId,
    kind: 'integrity',
    status: 'running',
    started_at: nowIso(),
    finished_at: null,
    result: null,
    error: null,
  });
  const problems: Array<{ hash: string; problem: 'missing' | 'corrupt'; why: string }> = [];
  let missing = 0;
  let corrupt = 0;
  let checked = 0;
  let bytes = 0;
  try {
    // opened at the first indexed body: a tenant never backed up has nothing to check (and no key)
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    // the check holds no lease (it would stop backups for as long as it reads): retention and garbage
    // collection may remove a body meanwhile, so a body found missing is only a problem while the index
    // still names it
    const stillIndexed = async (hash: string) => (await referencedHashes(services.db, input.tenantId, [hash])).has(hash);
    let after = '';
    for (;;) {
      const page = await indexedHashesPage(services.db, input.tenantId, after, MAINTENANCE_BATCH);
      if (!page.length) break;
      store ??= await openStore(services, input.tenantId);
      for (const hash of page) {
        checked++;
        if (!(await store.exists(hash))) {
          if (!(await stillIndexed(hash))) {
            checked--;
            continue;
          }
          missing++;
          if (problems.length < LISTED_PROBLEMS) problems.push({ hash, problem: 'missing', why: 'not in the store' });
          continue;
        }
        try {
          for await (const chunk of (await quietly(store.get(hash))) as AsyncIterable<Buffer>) bytes += chunk.length;
        } catch (e) {
          // deleted by garbage collection while being read
          if (!(await store.exists(hash)) && !(await stillIndexed(hash))) {
            checked--;
            continue;
          }
          if (!isCorruptObject(e)) throw e;
          corrupt++;
          if (problems.length < LISTED_PROBLEMS) problems.push({ hash, problem: 'corrupt', why: e.message });
        }
      }
      after = page[page.length - 1]!;
    }
    const result = { checked, bytes, missing, corrupt, problems };
    const status = missing || corrupt ? 'failed' : 'passed';
    await finishCheck(services.db, id, { status, finished_at: nowIso(), result: JSON.stringify(result), error: null });
    if (status === 'failed') {
      await raiseBackupNotification(services, {
        tenantId: input.tenantId,
        event: 'backup.integrity-failed',
        checkId: id,
        detail: { missing, corrupt, problems: problems.slice(0, 10) },
      });
    }
    return { id, status, ...result };
  } catch (e) {
    // a key that does not open is the worst finding of all: recorded and raised like any other
    const why = (e as Error).message;
    await finishCheck(services.db, id, {
      status: 'failed',
      finished_at: nowIso(),
      result: JSON.stringify({ checked, missing, corrupt, problems }),
      error: why,
    });
    await raiseBackupNotification(services, {
      tenantId: input.tenantId,
      event: 'backup.integrity-failed',
      checkId: id,
      detail: { error: why },
    });
    throw e;
  }
}
