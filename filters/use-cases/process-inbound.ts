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
  // the rows the ingress wrote; written from the sidecar when it could not
  let row = await repo.findMessage(deps.db, queueId);
  if (!row) {
    await ensureRows(deps, envelope);
    row = (await repo.findMessage(deps.db, queueId))!;
  }
  const log = deps.logger.child({ queueId });
  const stage = new Stage(deps, queueId, envelope.messageId, message.receivedAt);
  const all = await repo.targetsOf(deps.db, queueId);
  let targets = all.filter((t) => !repo.isFinal(t.status));
  if (!targets.length) return finish(deps, queueId, all, stage);

  // 1. antivirus and spam, once per message (kept for retries)
  let av: AntivirusVerdict | null = row.av_verdict ? (JSON.parse(row.av_verdict) as AntivirusVerdict) : null;
  let spam: SpamVerdict | null = row.spam_verdict ? (JSON.parse(row.spam_verdict) as SpamVerdict) : null;
  // clamd and rspamd at once (the message waits for the slower one, not for both in turn); a spam
  // score of an infected message is not needed but harmless. The verdicts are kept together, with
  // their trace, in one write.
  if (!av || !spam) {
    const started = Date.now();
    const [avNow, spamNow] = await Promise.all([
      av ? null : scanWithClamd(deps.config.clamd, message.path).then((v) => ({ v, ms: Date.now() - started })),
      spam ? null : scoreWithRspamd(deps.config.rspamdUrl, message).then((v) => ({ v, ms: Date.now() - started })),
    ]);
    if (avNow && avNow.v.kind !== 'unscanned') {
      av = avNow.v;
      stage.verdicts({ av });
      stage.event({ stage: 'scanned', detail: { scanner: 'clamd', verdict: av, ms: avNow.ms } });
    }
    if (spamNow && spamNow.v.kind !== 'unscanned') {
      const v = spamNow.v;
      spam = v;
      stage.verdicts({ spam });
      stage.event({ stage: 'scanned', detail: spamScanDetail(v, spamNow.ms) });
    }
    if (avNow?.v.kind === 'unscanned') {
      stage.event({ stage: 'deferred', detail: { scanner: 'clamd', reason: avNow.v.reason } });
      await stage.flush();
      throw new NotFinishedYet(`not scanned: ${avNow.v.reason}`);
    }
    // an infected message needs no score: it is quarantined whatever rspamd says
    if (spamNow?.v.kind === 'unscanned' && av?.kind !== 'infected') {
      stage.event({ stage: 'deferred', detail: { scanner: 'rspamd', reason: spamNow.v.reason } });
      await stage.flush();
      throw new NotFinishedYet(`not scored: ${spamNow.v.reason}`);
    }
  }
  if (!av) throw new NotFinishedYet('not scanned');
  const spamVerdict: SpamVerdict = spam ?? { kind: 'unscanned', reason: 'not scored: infected' };

  // 2. a decision per target, by its tenant's policy (kept once made, with its counter)
  const policies = new Map<string, FilterPolicy>();
  const decisions = new Map<string, Decision>();
  for (const t of targets) {
    let d = t.decision ? (JSON.parse(t.decision) as Decision) : null;
    if (!d) {
      let policy = policies.get(t.tenant_id);
      if (!policy) policies.set(t.tenant_id, (policy = await loadPolicy(deps.db, t.tenant_id)));
      d = decide(policy, av, spamVerdict, { mailFrom: message.envelope.mailFrom, recipient: t.recipient, canReject: false });
      stage.target(t, { decision: JSON.stringify(d) });
      stage.count(t.tenant_id, verdictName(d));
    }
    decisions.set(t.account_id, d);
  }

  // 3. outcomes that need no delivery
  for (const t of targets) {
    const d = decisions.get(t.account_id)!;
    if (d.action === 'quarantine') {
      // the decision is durable before the copy is made: a retry finds it and does not decide again
      await stage.flush();
      const { quarantineId } = await quarantineMessage(deps, {
        message,
        tenantId: t.tenant_id,
        accountId: t.account_id,
        recipient: t.address,
        decision: d,
        av,
        spam: spamVerdict,
      });
      stage.target(t, { status: 'quarantined', quarantine_id: quarantineId });
      stage.event({
        stage: 'quarantined',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { quarantineId, reason: d.reason, detail: d.detail },
      });
      await stage.flush();
    } else if (d.action === 'discard' || d.action === 'reject') {
      // reject is decided only before the DATA reply; after it, a refusal cannot reach the sender any more
      const status = d.action === 'discard' ? 'discarded' : 'rejected';
      stage.target(t, { status });
      stage.event({ stage: status, tenantId: t.tenant_id, recipient: t.address, detail: { reason: d.reason } });
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
      stage.target(t, { route: route.route });
      stage.event({ stage: 'routed', tenantId: t.tenant_id, recipient: t.address, detail: route });
    }
    if (route.route === 'source' && !route.relay) {
      stage.target(t, { status: 'pending', last_error: 'migrating account: its project has no relay host yet' });
      stage.event({
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
  for (const g of groups.values()) await deliverGroup(deps, message, g, stage, log);

  const left = all.filter((t) => !repo.isFinal(t.status));
  if (left.length) {
    await stage.flush();
    throw new NotFinishedYet(`${left.length} recipient(s) not delivered yet: ${left.map((t) => t.last_error ?? t.status).join('; ')}`);
  }
  return finish(deps, queueId, all, stage);
}

type StageEvent = Omit<repo.EventInput, 'queueId' | 'messageId' | 'receivedAt'> & { detail?: unknown };

/**
 * The changes of the current stage of one message, written together by flush() (repo.applyStage: one
 * transaction). Target rows are patched in memory as well, so later stages and finish() read no row again.
 * flush() comes before anything that must find the changes durable: a delivery (targets marked
 * `delivering` first), a quarantine copy, a retry (NotFinishedYet), the spool's removal.
 */
class Stage {
  private changes: repo.StageChanges = { targets: [], events: [], counters: [] };
  constructor(
    private readonly deps: PipelineDeps,
    private readonly queueId: string,
    private readonly messageId: string | null,
    private readonly receivedAt: string,
  ) {}

  verdicts(v: { av?: unknown; spam?: unknown }): void {
    this.changes.verdicts = { ...this.changes.verdicts, ...v };
  }

  target(t: repo.InboundTargetRow, patch: repo.TargetPatch): void {
    this.changes.targets.push({ accountId: t.account_id, patch });
    const { bumpAttempts, ...rest } = patch;
    Object.assign(t, rest, bumpAttempts ? { attempts: t.attempts + 1 } : {});
  }

  event(e: StageEvent): void {
    // the time it happened, not the time it is written
    this.changes.events.push({ ...e, at: e.at ?? nowIso(), queueId: this.queueId, messageId: this.messageId, receivedAt: this.receivedAt });
  }

  count(tenantId: string, verdict: string): void {
    this.changes.counters.push({ tenantId, verdict });
  }

  async flush(opts: { done?: boolean } = {}): Promise<void> {
    const c = this.changes;
    if (!c.verdicts && !c.targets.length && !c.events.length && !c.counters.length && !opts.done) return;
    this.changes = { targets: [], events: [], counters: [] };
    await repo.applyStage(this.deps.db, this.queueId, { ...c, done: opts.done });
  }
}

async function deliverGroup(
  deps: PipelineDeps,
  message: SpooledMessage,
  g: { route: InboundRoute; folder?: string; headers: Record<string, string>; targets: repo.InboundTargetRow[] },
  stage: Stage,
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
        stage.target(t, { status: 'delivered', last_error: null });
        stage.event({
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
  for (const t of todo) stage.target(t, { status: 'delivering', bumpAttempts: true });
  // `delivering` is durable before the first byte goes out: a worker that dies from here on makes the
  // next attempt look in the mailbox first
  await stage.flush();
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
    // t.attempts counts this attempt already (bumped when it was marked delivering)
    if (o.status === 'delivered') {
      stage.target(t, { status: relayed ? 'relayed' : 'delivered', last_error: null });
      stage.event({ stage: relayed ? 'relayed' : 'delivered', tenantId: t.tenant_id, recipient: t.address, detail: { ...where, ms } });
    } else if (o.status === 'failed' || t.attempts >= MAX_DELIVERY_ATTEMPTS) {
      const reason = o.status === 'failed' ? o.response : `gave up after ${t.attempts} attempts: ${o.response}`;
      stage.target(t, { status: 'failed', last_error: reason ?? null });
      stage.event({
        stage: 'failed',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { ...where, response: o.response, code: o.code, attempts: t.attempts },
      });
    } else {
      stage.target(t, { status: 'pending', last_error: o.response ?? null });
      stage.event({
        stage: 'deferred',
        tenantId: t.tenant_id,
        recipient: t.address,
        detail: { ...where, response: o.response, code: o.code, attempts: t.attempts },
      });
    }
  }
}

/** Rows of a message the database does not know yet (the ingress could not write them, or they were lost). */
const ensureRows = (deps: PipelineDeps, env: SpoolEnvelope) => recordRows(deps.db, env);

/**
 * Every target final: the outcomes are written, the message leaves the spool (to spool/failed when a
 * target failed), and then its row is marked done. A crash in between leaves a spooled row whose
 * message is gone or a spooled message whose targets are all final: the next run finishes either.
 */
async function finish(
  deps: PipelineDeps,
  queueId: string,
  all: repo.InboundTargetRow[],
  stage: Stage,
): Promise<{ status: 'done'; detail: unknown }> {
  await stage.flush();
  const failed = all.filter((t) => t.status === 'failed').length;
  if (failed) await deps.spool.moveToFailed(queueId);
  else await deps.spool.remove(queueId);
  await repo.markDone(deps.db, queueId);
  return { status: 'done', detail: { targets: all.length, failed, at: nowIso() } };
}
