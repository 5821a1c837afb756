import { z } from 'zod';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inboundRouteOf, type InboundRoute } from '../../tenancy/repositories/routes';
import { decide } from '../policy/decide';
import { loadPolicy } from '../policy/use-cases/load-policy';
import type { FilterPolicy } from '../policy/policy';
import { quarantineMessage } from '../quarantine/use-cases/quarantine-message';
import { deliverToMailbox, type RecipientOutcome } from '../delivery/lmtp';
import { alreadyInMailbox, QUEUE_ID_HEADER } from '../delivery/mailbox-check';
import { relaySmtp } from '../delivery/relay';
import { queueIdSchema } from '../jobs';
import { MAX_DELIVERY_ATTEMPTS } from '../limits';
import * as repo from '../repositories/messages';
import { scanWithClamd } from '../scan/clamd';
import { scoreWithRspamd } from '../scan/rspamd';
import type { Spool, SpoolEnvelope } from '../spool/spool';
import { recordRows } from './accept-message';
import { spamScanDetail, type AntivirusVerdict, type Decision, type SpamVerdict, type SpooledMessage } from '../verdicts';

export const processInboundInput = z.object({ queueId: queueIdSchema });
export type ProcessInboundInput = z.infer<typeof processInboundInput>;

export type PipelineDeps = Pick<Services, 'config' | 'db' | 'logger'> & { spool: Spool };

/** Thrown when some target is not final yet: the job is retried with backoff (nothing is dropped). */
export class NotFinishedYet extends Error {
  override name = 'NotFinishedYet';
}

const JUNK_FOLDER = 'Junk';

function rfc2822(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function traceHeaders(deps: PipelineDeps, m: SpooledMessage): Record<string, string> {
  const e = m.envelope;
  const helo = (e.heloName || 'unknown').replace(/[^\x21-\x7e]/g, '').slice(0, 200);
  return {
    Received: `from ${helo} ([${e.clientAddress.replace(/^::ffff:/, '')}]) by ${deps.config.smtp.hostname} (Postwerk) with ${e.secure ? 'ESMTPS' : 'ESMTP'} id ${m.queueId}; ${rfc2822(new Date(m.receivedAt))}`,
    [QUEUE_ID_HEADER]: m.queueId,
  };
}

const verdictName = (d: Decision) => (d.action === 'quarantine' ? `quarantine.${d.reason}` : d.action);

/**
 * The pipeline of one accepted message: antivirus → spam → the decision of each recipient's tenant →
 * route → deliver, with an outcome per target. Safe to run again at any point (a retry, a worker that
 * died): verdicts and decisions are kept once made, final targets are skipped, and a target whose
 * delivery was started but not answered is looked up in its mailbox before it is delivered again.
 * Throws NotFinishedYet while a target is not final (a scanner down, a deferred delivery); when every
 * target is final the message leaves the spool (to spool/failed when one of them failed).
 */
export async function processInbound(
  deps: PipelineDeps,
  input: ProcessInboundInput,
): Promise<{ status: 'done' | 'skipped'; detail?: unknown }> {
  const { queueId } = processInboundInput.parse(input);
  const spooled = await deps.spool.read(queueId);
  if (!spooled) {
    // not in the spool: finished earlier (removed, or kept in failed/)
    const row = await repo.findMessage(deps.db, queueId);
    if (row && row.status !== 'done') await repo.markDone(deps.db, queueId);
    return { status: 'skipped', detail: 'not in the spool' };
  }
  const { message, envelope } = spooled;
  await ensureRows(deps, envelope);
  const log = deps.logger.child({ queueId });
  const ev = (e: Omit<repo.EventInput, 'queueId' | 'messageId' | 'receivedAt'> & { detail?: unknown }) =>
    repo.recordEvent(deps.db, { ...e, queueId, messageId: envelope.messageId, receivedAt: message.receivedAt });

  let targets = (await repo.targetsOf(deps.db, queueId)).filter((t) => !repo.isFinal(t.status));
  if (!targets.length) return finish(deps, queueId);

  // 1. antivirus and spam, once per message (kept for retries)
  const row = (await repo.findMessage(deps.db, queueId))!;
  let av: AntivirusVerdict | null = row.av_verdict ? (JSON.parse(row.av_verdict) as AntivirusVerdict) : null;
  let spam: SpamVerdict | null = row.spam_verdict ? (JSON.parse(row.spam_verdict) as SpamVerdict) : null;
  // clamd and rspamd at once (the message waits for the slower one, not for both in turn); a spam
  // score of an infected message is not needed but harmless. Each verdict is kept as soon as it is in.
  if (!av || !spam) {
    const started = Date.now();
    const [avNow, spamNow] = await Promise.all([
      av ? null : scanWithClamd(deps.config.clamd, message.path).then((v) => ({ v, ms: Date.now() - started })),
      spam ? null : scoreWithRspamd(deps.config.rspamdUrl, message).then((v) => ({ v, ms: Date.now() - started })),
    ]);
    if (avNow && avNow.v.kind !== 'unscanned') {
      av = avNow.v;
      await repo.saveVerdicts(deps.db, queueId, { av });
      await ev({ stage: 'scanned', detail: { scanner: 'clamd', verdict: av, ms: avNow.ms } });
    }
    if (spamNow && spamNow.v.kind !== 'unscanned') {
      const v = spamNow.v;
      spam = v;
      await repo.saveVerdicts(deps.db, queueId, { spam });
      await ev({ stage: 'scanned', detail: spamScanDetail(v, spamNow.ms) });
    }
    if (avNow?.v.kind === 'unscanned') {
      await ev({ stage: 'deferred', detail: { scanner: 'clamd', reason: avNow.v.reason } });
      throw new NotFinishedYet(`not scanned: ${avNow.v.reason}`);
    }
    // an infected message needs no score: it is quarantined whatever rspamd says
    if (spamNow?.v.kind === 'unscanned' && av?.kind !== 'infected') {
      await ev({ stage: 'deferred', detail: { scanner: 'rspamd', reason: spamNow.v.reason } });
      throw new NotFinishedYet(`not scored: ${spamNow.v.reason}`);
    }
  }
  if (!av) throw new NotFinishedYet('not scanned');
  const spamVerdict: SpamVerdict = spam ?? { kind: 'unscanned', reason: 'not scored: infected' };

  // 2. a decision per target, by its tenant's policy (kept once made)
  const policies = new Map<string, FilterPolicy>();
  const decisions = new Map<string, Decision>();
  for (const t of targets) {
    let d = t.decision ? (JSON.parse(t.decision) as Decision) : null;
    if (!d) {
      let policy = policies.get(t.tenant_id);
      if (!policy) policies.set(t.tenant_id, (policy = await loadPolicy(deps.db, t.tenant_id)));
      d = decide(policy, av, spamVerdict, { mailFrom: message.envelope.mailFrom, recipient: t.recipient, canReject: false });
      await repo.updateTarget(deps.db, queueId, t.account_id, { decision: JSON.stringify(d) });
      await repo.countVerdict(deps.db, t.tenant_id, verdictName(d));
    }
    decisions.set(t.account_id, d);
  }

  // 3. outcomes that need no delivery
  for (const t of targets) {
    const d = decisions.get(t.account_id)!;
    if (d.action === 'quarantine') {
      const { quarantineId } = await quarantineMessage(deps, {
        message,
        tenantId: t.tenant_id,
        accountId: t.account_id,
        recipient: t.address,
        decision: d,
        av,
        spam: spamVerdict,
      });
      await repo.updateTarget(deps.db, queueId, t.account_id, { status: 'quarantined', quarantine_id: quarantineId });
      await ev({
        stage: 'quarantined',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { quarantineId, reason: d.reason, detail: d.detail },
      });
    } else if (d.action === 'discard' || d.action === 'reject') {
      // reject is decided only before the DATA reply; after it, a refusal cannot reach the sender any more
      const status = d.action === 'discard' ? 'discarded' : 'rejected';
      await repo.updateTarget(deps.db, queueId, t.account_id, { status });
      await ev({ stage: status, tenantId: t.tenant_id, recipient: t.address, detail: { reason: d.reason } });
    }
  }
  targets = targets.filter((t) => ['deliver', 'junk'].includes(decisions.get(t.account_id)!.action));

  // 4. route and deliver, in groups that share a destination, a folder and the headers
  const groups = new Map<
    string,
    { route: InboundRoute; folder?: string; headers: Record<string, string>; targets: repo.InboundTargetRow[] }
  >();
  for (const t of targets) {
    const d = decisions.get(t.account_id) as Extract<Decision, { action: 'deliver' | 'junk' }>;
    const route = await inboundRouteOf(deps.db, t.account_id);
    if (t.route !== route.route) {
      await repo.updateTarget(deps.db, queueId, t.account_id, { route: route.route });
      await ev({ stage: 'routed', tenantId: t.tenant_id, recipient: t.address, detail: route });
    }
    if (route.route === 'source' && !route.relay) {
      await repo.updateTarget(deps.db, queueId, t.account_id, {
        status: 'pending',
        last_error: 'migrating account: its project has no relay host yet',
      });
      await ev({
        stage: 'deferred',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { reason: 'no relay host configured on the migration project' },
      });
      continue;
    }
    const folder = route.route === 'local' && d.action === 'junk' ? JUNK_FOLDER : undefined;
    const headers = { ...traceHeaders(deps, message), ...d.headers };
    const key = JSON.stringify([route, folder, headers]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { route, folder, headers, targets: [] }));
    g.targets.push(t);
  }
  for (const g of groups.values()) await deliverGroup(deps, message, g, ev, log);

  const left = (await repo.targetsOf(deps.db, queueId)).filter((t) => !repo.isFinal(t.status));
  if (left.length)
    throw new NotFinishedYet(`${left.length} recipient(s) not delivered yet: ${left.map((t) => t.last_error ?? t.status).join('; ')}`);
  return finish(deps, queueId);
}

async function deliverGroup(
  deps: PipelineDeps,
  message: SpooledMessage,
  g: { route: InboundRoute; folder?: string; headers: Record<string, string>; targets: repo.InboundTargetRow[] },
  ev: (e: Omit<repo.EventInput, 'queueId' | 'messageId' | 'receivedAt'> & { detail?: unknown }) => Promise<void>,
  log: PipelineDeps['logger'],
): Promise<void> {
  const queueId = message.queueId;
  const todo: repo.InboundTargetRow[] = [];
  for (const t of g.targets) {
    // an earlier attempt was cut off after it started: it may have arrived (local mailboxes can tell)
    if (t.status === 'delivering' && g.route.route === 'local') {
      const found = await alreadyInMailbox(deps.config.dovecot, t.address, queueId, [g.folder ?? 'INBOX'], log).catch((e) => {
        log.warn({ err: (e as Error).message, recipient: t.address }, 'mailbox check failed; delivery waits');
        return null;
      });
      if (found === null) continue;
      if (found) {
        await repo.updateTarget(deps.db, queueId, t.account_id, { status: 'delivered', last_error: null });
        await ev({
          stage: 'delivered',
          tenantId: t.tenant_id,
          recipient: t.address,
          detail: { folder: g.folder ?? 'INBOX', found: 'after an interrupted attempt' },
        });
        continue;
      }
    }
    todo.push(t);
  }
  if (!todo.length) return;
  for (const t of todo) await repo.updateTarget(deps.db, queueId, t.account_id, { status: 'delivering', bumpAttempts: true });
  const started = Date.now();
  const recipients = todo.map((t) => t.address);
  let outcomes: RecipientOutcome[];
  if (g.route.route === 'local') {
    outcomes = await deliverToMailbox(deps, {
      recipients,
      source: message.path,
      folder: g.folder,
      mailFrom: message.envelope.mailFrom,
      headers: g.headers,
    });
  } else {
    outcomes = await relaySmtp(g.route.relay!, {
      mailFrom: message.envelope.mailFrom,
      recipients,
      source: message.path,
      headers: g.headers,
      heloName: deps.config.smtp.hostname,
    });
  }
  const ms = Date.now() - started;
  const byAddress = new Map(outcomes.map((o) => [o.recipient, o]));
  const relayed = g.route.route === 'source';
  for (const t of todo) {
    const o = byAddress.get(t.address) ?? { recipient: t.address, status: 'deferred' as const, response: 'no answer' };
    const where = relayed ? { relay: g.route.route === 'source' ? g.route.relay : null } : { folder: g.folder ?? 'INBOX' };
    if (o.status === 'delivered') {
      await repo.updateTarget(deps.db, queueId, t.account_id, { status: relayed ? 'relayed' : 'delivered', last_error: null });
      await ev({ stage: relayed ? 'relayed' : 'delivered', tenantId: t.tenant_id, recipient: t.address, detail: { ...where, ms } });
    } else if (o.status === 'failed' || t.attempts + 1 >= MAX_DELIVERY_ATTEMPTS) {
      const reason = o.status === 'failed' ? o.response : `gave up after ${t.attempts + 1} attempts: ${o.response}`;
      await repo.updateTarget(deps.db, queueId, t.account_id, { status: 'failed', last_error: reason ?? null });
      await ev({
        stage: 'failed',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { ...where, response: o.response, code: o.code, attempts: t.attempts + 1 },
      });
    } else {
      await repo.updateTarget(deps.db, queueId, t.account_id, { status: 'pending', last_error: o.response ?? null });
      await ev({
        stage: 'deferred',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { ...where, response: o.response, code: o.code, attempts: t.attempts + 1 },
      });
    }
  }
}

/** Rows of a message the database does not know yet (the ingress could not write them, or they were lost). */
const ensureRows = (deps: PipelineDeps, env: SpoolEnvelope) => recordRows(deps.db, env);

async function finish(deps: PipelineDeps, queueId: string): Promise<{ status: 'done'; detail: unknown }> {
  const all = await repo.targetsOf(deps.db, queueId);
  const failed = all.filter((t) => t.status === 'failed').length;
  if (failed) await deps.spool.moveToFailed(queueId);
  else await deps.spool.remove(queueId);
  await repo.markDone(deps.db, queueId);
  return { status: 'done', detail: { targets: all.length, failed, at: nowIso() } };
}
