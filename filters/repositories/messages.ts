import type { Knex } from 'knex';
import { nowIso } from '../../platform/db';
import { spamScanDetail, type SpamVerdict } from '../verdicts';

/**
 * The only SQL over inbound mail: messages the ingress accepted, their delivery targets with the outcome
 * of each, the trace (`message_events`) and the counters per verdict. Rows as the database returns them.
 */
export type TargetStatus = 'pending' | 'delivering' | 'delivered' | 'relayed' | 'quarantined' | 'discarded' | 'rejected' | 'failed';
export const FINAL_TARGET_STATUSES: readonly TargetStatus[] = ['delivered', 'relayed', 'quarantined', 'discarded', 'rejected', 'failed'];
export const isFinal = (s: string): boolean => (FINAL_TARGET_STATUSES as readonly string[]).includes(s);

export interface InboundMessageRow {
  queue_id: string;
  message_id: string | null;
  mail_from: string;
  client_address: string;
  helo: string;
  secure: number;
  size_bytes: number;
  received_at: string;
  status: 'spooled' | 'done';
  av_verdict: string | null;
  spam_verdict: string | null;
  finished_at: string | null;
}

export interface InboundTargetRow {
  queue_id: string;
  account_id: string;
  tenant_id: string;
  recipient: string;
  address: string;
  status: TargetStatus;
  route: 'local' | 'source' | null;
  decision: string | null;
  attempts: number;
  last_error: string | null;
  quarantine_id: string | null;
  updated_at: string;
}

export type TargetPatch = Partial<Pick<InboundTargetRow, 'status' | 'route' | 'decision' | 'last_error' | 'quarantine_id'>> & {
  bumpAttempts?: boolean;
};

export type EventStage =
  | 'accepted'
  | 'scanned'
  | 'routed'
  | 'delivered'
  | 'relayed'
  | 'quarantined'
  | 'discarded'
  | 'rejected'
  | 'deferred'
  | 'failed'
  | 'released'
  // the outbound path (filters/outbound)
  | 'submitted'
  | 'held'
  | 'sent'
  | 'bounced';

export interface MessageEventRow {
  id: number;
  queue_id: string;
  message_id: string | null;
  tenant_id: string | null;
  recipient: string | null;
  stage: EventStage;
  at: string;
  elapsed_ms: number | null;
  detail: string | null;
}

export interface AcceptedMessage {
  queueId: string;
  messageId: string | null;
  mailFrom: string;
  clientAddress: string;
  helo: string;
  secure: boolean;
  sizeBytes: number;
  receivedAt: string;
  targets: Array<{ accountId: string; tenantId: string; recipient: string; address: string }>;
  /** the spam verdict of the scan before the DATA reply, when there was one: the worker does not score again */
  inlineSpam?: { verdict: Extract<SpamVerdict, { kind: 'scored' }>; ms: number };
  /** inflow pacing at MAIL FROM, ms */
  pacedMs?: number;
}

/** Writes the message and its targets; a second call for the same queue id changes nothing (rescans). */
export async function insertAccepted(db: Knex, m: AcceptedMessage): Promise<boolean> {
  return db.transaction(async (trx) => {
    if (await trx('inbound_messages').where({ queue_id: m.queueId }).first('queue_id')) return false;
    await trx('inbound_messages').insert({
      queue_id: m.queueId,
      message_id: m.messageId?.slice(0, 998) ?? null,
      mail_from: m.mailFrom.slice(0, 320),
      client_address: m.clientAddress.slice(0, 64),
      helo: m.helo.slice(0, 255),
      secure: m.secure ? 1 : 0,
      size_bytes: m.sizeBytes,
      received_at: m.receivedAt,
      status: 'spooled',
      ...(m.inlineSpam ? { spam_verdict: JSON.stringify(m.inlineSpam.verdict) } : {}),
    });
    const now = nowIso();
    if (m.targets.length) {
      // in chunks: SQLite takes at most 32766 bound values in one statement (10,000 recipients at most)
      const rows = m.targets.map((t) => ({
        queue_id: m.queueId,
        account_id: t.accountId,
        tenant_id: t.tenantId,
        recipient: t.recipient,
        address: t.address,
        status: 'pending',
        attempts: 0,
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 500) await trx('inbound_targets').insert(rows.slice(i, i + 500));
    }
    const events: Array<EventInput & { detail?: unknown }> = [
      {
        queueId: m.queueId,
        messageId: m.messageId,
        stage: 'accepted',
        at: m.receivedAt,
        elapsedMs: 0,
        detail: {
          from: m.mailFrom,
          client: m.clientAddress,
          helo: m.helo,
          size: m.sizeBytes,
          recipients: m.targets.map((t) => t.recipient),
          ...(m.pacedMs ? { pacedMs: m.pacedMs } : {}),
        },
      },
    ];
    if (m.inlineSpam) {
      const v = m.inlineSpam.verdict;
      events.push({
        queueId: m.queueId,
        messageId: m.messageId,
        stage: 'scanned',
        at: m.receivedAt,
        elapsedMs: m.inlineSpam.ms,
        detail: { ...spamScanDetail(v, m.inlineSpam.ms), atData: true },
      });
    }
    await insertEvents(trx, events);
    return true;
  });
}

export async function findMessage(db: Knex, queueId: string): Promise<InboundMessageRow | undefined> {
  return db<InboundMessageRow>('inbound_messages').where({ queue_id: queueId }).first();
}

export async function targetsOf(db: Knex, queueId: string): Promise<InboundTargetRow[]> {
  return db<InboundTargetRow>('inbound_targets').where({ queue_id: queueId }).orderBy('address');
}

/**
 * What one stage of the pipeline changed, written in one transaction: the verdicts of the message,
 * patches of its targets, the trace events, the verdict counters, and whether the message is done.
 * One commit per stage instead of one per row keeps the single SQLite connection free for the next
 * message, and a stage is never half-recorded (a decision is never kept without its counter).
 */
export interface StageChanges {
  verdicts?: { av?: unknown; spam?: unknown };
  targets: Array<{ accountId: string; patch: TargetPatch }>;
  events: Array<EventInput & { detail?: unknown }>;
  counters: Array<{ tenantId: string; verdict: string }>;
  done?: boolean;
}

export async function applyStage(db: Knex, queueId: string, c: StageChanges): Promise<void> {
  await db.transaction(async (trx) => {
    if (c.verdicts && (c.verdicts.av !== undefined || c.verdicts.spam !== undefined)) await saveVerdicts(trx, queueId, c.verdicts);
    // a target patched several times in the stage (decision, route, delivering) gets one UPDATE
    const patches = new Map<string, { patch: Omit<TargetPatch, 'bumpAttempts'>; bumps: number }>();
    for (const { accountId, patch } of c.targets) {
      const { bumpAttempts, ...rest } = patch;
      const p = patches.get(accountId) ?? { patch: {}, bumps: 0 };
      patches.set(accountId, { patch: { ...p.patch, ...rest }, bumps: p.bumps + (bumpAttempts ? 1 : 0) });
    }
    for (const [accountId, { patch, bumps }] of patches) {
      await trx('inbound_targets')
        .where({ queue_id: queueId, account_id: accountId })
        .update({ ...patch, ...(bumps ? { attempts: trx.raw('attempts + ?', [bumps]) } : {}), updated_at: nowIso() });
    }
    if (c.events.length) await insertEvents(trx, c.events);
    for (const k of c.counters) await countVerdict(trx, k.tenantId, k.verdict);
    if (c.done) await markDone(trx, queueId);
  });
}

export async function saveVerdicts(db: Knex, queueId: string, v: { av?: unknown; spam?: unknown }): Promise<void> {
  await db('inbound_messages')
    .where({ queue_id: queueId })
    .update({
      ...(v.av !== undefined ? { av_verdict: JSON.stringify(v.av) } : {}),
      ...(v.spam !== undefined ? { spam_verdict: JSON.stringify(v.spam) } : {}),
    });
}

export async function markDone(db: Knex, queueId: string): Promise<void> {
  await db('inbound_messages').where({ queue_id: queueId }).update({ status: 'done', finished_at: nowIso() });
}

/** Queue ids of messages not done yet (the spool sweep compares them with the spool). */
export async function unfinishedQueueIds(db: Knex): Promise<string[]> {
  return (await db('inbound_messages').where({ status: 'spooled' }).select('queue_id')).map((r) => String(r.queue_id));
}

export interface EventInput {
  queueId: string;
  messageId?: string | null;
  tenantId?: string | null;
  recipient?: string | null;
  stage: EventStage;
  /** when it happened (default now) */
  at?: string;
  /** time since acceptance; computed from receivedAt when that is given instead */
  elapsedMs?: number | null;
  receivedAt?: string;
}

function eventRow(e: EventInput, detail?: unknown) {
  const at = e.at ?? nowIso();
  const elapsed = e.elapsedMs ?? (e.receivedAt ? Math.max(0, Date.parse(at) - Date.parse(e.receivedAt)) : null);
  return {
    queue_id: e.queueId,
    message_id: e.messageId?.slice(0, 998) ?? null,
    tenant_id: e.tenantId ?? null,
    recipient: e.recipient ?? null,
    stage: e.stage,
    at,
    elapsed_ms: elapsed,
    detail: detail === undefined ? null : JSON.stringify(detail),
  };
}

async function insertEvent(db: Knex, e: EventInput, detail?: unknown): Promise<void> {
  await db('message_events').insert(eventRow(e, detail));
}

/** Several events in one statement (a stage writes a few; in chunks, for SQLite's bound-value limit). */
async function insertEvents(db: Knex, events: Array<EventInput & { detail?: unknown }>): Promise<void> {
  const rows = events.map(({ detail, ...e }) => eventRow(e, detail));
  for (let i = 0; i < rows.length; i += 500) await db('message_events').insert(rows.slice(i, i + 500));
}

/**
 * One step of a message's path into the trace (`postwerk mail trace`, the trace API). The pipeline
 * records accepted … delivered; the quarantine records released. The detail is JSON (verdict, score,
 * symbols, the server's answer); keep it small.
 */
export async function recordEvent(db: Knex, e: EventInput & { detail?: unknown }): Promise<void> {
  const { detail, ...rest } = e;
  await insertEvent(db, rest, detail);
}

export interface EventFilter {
  queueId?: string;
  messageId?: string;
  recipient?: string;
  tenantId?: string;
  /** [from, to) on `at` */
  from?: string;
  to?: string;
  limit?: number;
}

/** The trace, oldest first. */
export async function listEvents(db: Knex, f: EventFilter): Promise<MessageEventRow[]> {
  const q = db<MessageEventRow>('message_events').select('*');
  if (f.queueId) q.where({ queue_id: f.queueId });
  if (f.messageId) q.where({ message_id: f.messageId });
  if (f.recipient) q.where({ recipient: f.recipient.toLowerCase() });
  if (f.tenantId) q.where({ tenant_id: f.tenantId });
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q.orderBy('id').limit(f.limit ?? 1000);
}

/** Adds one to the day's counter of a verdict for a tenant (read by the metrics work). */
export async function countVerdict(db: Knex, tenantId: string, verdict: string, at: string = nowIso()): Promise<void> {
  const day = at.slice(0, 10);
  await db('verdict_counters')
    .insert({ day, tenant_id: tenantId, verdict, count: 1 })
    .onConflict(['day', 'tenant_id', 'verdict'])
    .merge({ count: db.raw('verdict_counters.count + 1') });
}

export async function verdictCounts(db: Knex, filter: { tenantId?: string; day?: string } = {}) {
  const q = db('verdict_counters').select('day', 'tenant_id', 'verdict', 'count');
  if (filter.tenantId) q.where({ tenant_id: filter.tenantId });
  if (filter.day) q.where({ day: filter.day });
  return (await q.orderBy(['day', 'tenant_id', 'verdict'])) as Array<{ day: string; tenant_id: string; verdict: string; count: number }>;
}

/** Messages per verdict over all days and tenants (the metrics' totals). */
export async function verdictTotals(db: Knex): Promise<Array<{ verdict: string; count: number }>> {
  const rows = (await db('verdict_counters').select('verdict').sum({ n: 'count' }).groupBy('verdict').orderBy('verdict')) as Array<{
    verdict: string;
    n: number | string;
  }>;
  return rows.map((r) => ({ verdict: r.verdict, count: Number(r.n) }));
}
