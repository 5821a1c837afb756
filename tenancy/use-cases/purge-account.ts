import fs from 'node:fs/promises';
import path from 'node:path';
import { systemActor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Services } from '../../platform/context';
import { inTransaction } from '../../platform/db/transaction';
import type { JobOutcome } from '../../platform/queue';
import { PURGE_SWEEP_BATCH } from '../limits';
import { purgeAccountJob } from '../jobs';
import { presentAccount } from '../presenters';
import { accountsDueForPurge, deleteAccountRow, findAccountById } from '../repositories/accounts';

/**
 * Deletion, step two (a job on queue control-plane): removes the mailbox and then the account row,
 * which frees the address and the allocation.
 *
 * How the mailbox goes: first through Dovecot's admin API, `expunge` of every message in every folder
 * (`mailbox * all`). Dovecot owns the mail files (uid 5000, its own locking, indexes and quota
 * counters), the API works from any worker machine, and a delivery in flight is serialized against it
 * by Dovecot itself instead of racing an `rm`. If the API is unreachable the job fails and BullMQ
 * retries with backoff: the row is never deleted while the mail is still there. Then the row goes (from
 * that moment Dovecot no longer knows the user, so nothing new can arrive), and last the emptied folder
 * tree (indexes, empty maildirs, anything that arrived between the two steps) is removed from disk when
 * the mail root is on this machine; on a worker without the storage it is logged and left.
 */
export async function purgeAccount(services: Services, input: { accountId: string; now?: Date }): Promise<JobOutcome> {
  const now = (input.now ?? new Date()).toISOString();
  const account = await findAccountById(services.db, input.accountId);
  if (!account) return { status: 'skipped', detail: 'account no longer exists' };
  if (account.status !== 'deleting' || !account.delete_after) return { status: 'skipped', detail: 'account was restored' };
  if (account.delete_after > now) return { status: 'skipped', detail: `grace period runs until ${account.delete_after}` };

  await services.doveadm.call('expunge', { user: account.address, query: ['mailbox', '*', 'all'] });

  const deleted = await inTransaction(services.db, async ({ trx }) => {
    const current = await findAccountById(trx, account.id);
    // restored while the expunge ran (restore is allowed until the row is gone): keep the row
    if (!current || current.status !== 'deleting') return false;
    await deleteAccountRow(trx, account.id);
    await appendAudit(trx, systemActor('account.purge'), {
      action: 'account.purged',
      tenantId: account.tenant_id,
      target: { type: 'account', id: account.id },
      before: presentAccount(current),
    });
    return true;
  });
  if (!deleted) return { status: 'skipped', detail: 'account was restored during the purge' };

  const home = path.join(services.config.dovecot.mailRoot, account.mail_path);
  if (await exists(services.config.dovecot.mailRoot)) {
    await fs.rm(home, { recursive: true, force: true });
  } else {
    services.logger.info(
      { accountId: account.id, home },
      'mail root not on this machine: the emptied mailbox folder is left for the storage host',
    );
  }
  return { status: 'done', detail: { address: account.address } };
}

/** The hourly sweep: queues a purge for every account whose grace period is over. */
export async function sweepPurges(services: Services, now = new Date()): Promise<JobOutcome> {
  const due = await accountsDueForPurge(services.db, now.toISOString(), PURGE_SWEEP_BATCH);
  // The sweep's own job id per hour: a purge whose delayed job failed all its attempts (Dovecot down for
  // long) is tried again by the next sweep instead of being blocked by the failed job's id.
  const hour = now.toISOString().slice(0, 13);
  for (const a of due) {
    const payload = { accountId: a.id, deleteAfter: a.delete_after! };
    await services.queue.enqueue(purgeAccountJob, payload, {
      jobId: `${purgeAccountJob.jobId!(payload)}.sweep.${hour}`.replace(/:/g, '_'),
    });
  }
  return { status: due.length ? 'done' : 'skipped', detail: { queued: due.length } };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
