import { z } from 'zod';
import { defineJob } from '../platform/queue';

/**
 * The control plane's jobs (queue `control-plane`). Payloads are ids only: the handler reads the current
 * row and decides, so a stale or repeated job is harmless.
 */
export const purgeAccountJob = defineJob({
  queue: 'control-plane',
  name: 'account.purge',
  payload: z.object({ accountId: z.uuid(), deleteAfter: z.string() }),
  // one job per deletion request: a restore followed by a new deletion gets a new job
  jobId: (p) => `account.purge.${p.accountId}.${p.deleteAfter}`,
});

export const sessionSweepJob = defineJob({
  queue: 'control-plane',
  name: 'session.sweep',
  payload: z.object({}),
});

export const purgeSweepJob = defineJob({
  queue: 'control-plane',
  name: 'account.purge-sweep',
  payload: z.object({}),
});

/** Every 10 minutes: checks the DNS TXT record of each pending domain (use-cases/sweep-pending-domains.ts). */
export const domainVerifySweepJob = defineJob({
  queue: 'control-plane',
  name: 'domain.verify-sweep',
  payload: z.object({}),
});

/** Hourly: anchors yesterday's head of every chain without entries today (use-cases/anchor-audit.ts). */
export const auditAnchorJob = defineJob({
  queue: 'control-plane',
  name: 'audit.anchor',
  payload: z.object({}),
});
