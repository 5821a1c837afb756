import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Actor } from './actor';
import type { AuditKey, AuditSettings } from './audit-key';
import { AUDIT_SETTINGS, type Db, type Knex, type Trx } from './db';
import { AppError } from './errors';

/**
 * Append-only audit log. Every change writes its entry in the same transaction as the change.
 *
 * - **Chains.** Each tenant has a chain of its own (chain_id = the tenant id) and platform-wide actions
 *   have one (`platform`). An entry carries its chain's sequence number (seq, gap-free) and
 *   HMAC-SHA256(audit key, previous entry's hash + its own content). Only the chain's row in audit_chains
 *   is locked for an append (FOR UPDATE on PostgreSQL), so tenants do not queue behind each other.
 *   audit_log.id stays one global, increasing key for ordering and paging; it is not gap-free (a
 *   rolled-back PostgreSQL transaction uses up its id) and is not what the chain vouches for.
 * - **Key.** The audit key is derived from the platform key (platform/audit-key.ts) and is not in the
 *   database: someone who can write the database but not read the key cannot re-chain an edited log.
 * - **Heads file.** The first append of a new day to a chain (or the `audit.anchor` job) appends the
 *   chain's head at the end of its last day to an append-only file outside the database
 *   (`<day> <chain> <seq> <id> <hash>`, fsynced), and verification checks every line against the chain:
 *   a rewrite of an anchored day is found even by someone who has the key.
 * - **Legacy prefix.** Entries written before the chains (chain_id null) keep their unkeyed SHA-256 chain
 *   in id order, ending at the frozen audit_head row, and are verified as before.
 */
export interface AuditEntry {
  action: string;
  tenantId?: string | null;
  target?: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

export interface AuditRow {
  id: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
  tenant_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
  /** the tenant's id, or PLATFORM_CHAIN; null for the legacy prefix */
  chain_id: string | null;
  /** 1, 2, … within the chain; null for the legacy prefix */
  seq: number | null;
  /** the actor's stable id (staff user id, token id, OS user, job name); actor_id holds its label */
  actor_ref: string | null;
  /** which audit key made `hash` (platform/audit-key.ts); null for the legacy prefix */
  key_id: string | null;
}

/** The chain of entries that belong to no tenant. */
export const PLATFORM_CHAIN = 'platform';

const GENESIS_HASH = '0'.repeat(64);

type LegacyRow = Omit<AuditRow, 'hash' | 'chain_id' | 'seq' | 'actor_ref' | 'key_id'>;

/** Stable JSON: keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The legacy prefix's hash: plain SHA-256 over the entry's content, chained in id order. */
function legacyHash(row: LegacyRow): string {
  const content = [
    row.id,
    row.at,
    row.actor_type,
    row.actor_id,
    row.actor_role,
    row.tenant_id,
    row.action,
    row.target_type,
    row.target_id,
    row.before,
    row.after,
    row.ip,
  ];
  return createHash('sha256').update(row.prev_hash).update(canonicalJson(content)).digest('hex');
}

type ChainedRow = Omit<AuditRow, 'id' | 'hash'>;

/**
 * A chained entry's hash: HMAC-SHA256 under the audit key over the previous hash and the content. The
 * global id is left out (it is assigned by the database on insert); the chain and seq say where it is.
 */
export function entryMac(key: Buffer, row: ChainedRow): string {
  const content = [
    'v2',
    row.chain_id,
    row.seq,
    row.key_id,
    row.at,
    row.actor_type,
    row.actor_id,
    row.actor_ref,
    row.actor_role,
    row.tenant_id,
    row.action,
    row.target_type,
    row.target_id,
    row.before,
    row.after,
    row.ip,
  ];
  return createHmac('sha256', key).update(row.prev_hash).update(canonicalJson(content)).digest('hex');
}

const json = (v: unknown): string | null => (v === undefined ? null : canonicalJson(v));

/**
 * The entry's `after` with the actor's reason (Actor.reason) merged in. A reason the entry records itself
 * (a restore's) is kept; an `after` that is not an object is kept under `value`.
 */
export function withReason(after: unknown, reason: string | undefined): unknown {
  if (reason === undefined) return after;
  if (after === undefined || after === null) return { reason };
  if (typeof after === 'object' && !Array.isArray(after)) return { reason, ...(after as Record<string, unknown>) };
  return { value: after, reason };
}

/** The audit settings the handle was made with (createDb); appending without them is a wiring bug. */
export function auditSettingsOf(db: Knex): AuditSettings {
  const settings = (db.client.config as Record<string, unknown>)[AUDIT_SETTINGS] as AuditSettings | undefined;
  if (!settings?.keys[0]) throw new AppError('internal', 'this database handle has no audit key (createDb without config.audit)');
  return settings;
}

interface ChainHead {
  chain_id: string;
  last_seq: number;
  last_id: number;
  last_hash: string;
  last_at: string | null;
  anchored_seq: number;
}

const isPg = (db: Knex): boolean => db.client.config.client === 'pg';
const dayOf = (iso: string): string => iso.slice(0, 10);
const numericHead = (h: ChainHead): ChainHead => ({
  ...h,
  last_seq: Number(h.last_seq),
  last_id: Number(h.last_id),
  anchored_seq: Number(h.anchored_seq),
});

/** The chain's head, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway). */
async function lockHead(trx: Trx, chainId: string): Promise<ChainHead> {
  const select = () => {
    const q = trx('audit_chains').where({ chain_id: chainId });
    return (isPg(trx) ? q.forUpdate() : q).first() as Promise<ChainHead | undefined>;
  };
  let head = await select();
  if (!head) {
    // A chain's first entry. Two transactions may both get here: the second's insert waits for the
    // first's row and is then ignored, and its select waits on the first's lock.
    await trx('audit_chains')
      .insert({ chain_id: chainId, last_seq: 0, last_id: 0, last_hash: GENESIS_HASH, last_at: null, anchored_seq: 0 })
      .onConflict('chain_id')
      .ignore();
    head = await select();
  }
  if (!head) throw new AppError('internal', `audit chain ${chainId} has no head row`);
  return numericHead(head);
}

export interface Anchor {
  day: string;
  chainId: string;
  seq: number;
  id: number;
  hash: string;
}

const anchorLine = (a: Anchor): string => `${a.day} ${a.chainId} ${a.seq} ${a.id} ${a.hash}\n`;

/**
 * Appends anchors to the heads file and fsyncs it (and its folder when the file is new) before returning,
 * so an anchor is on disk before the transaction that wrote it commits. The file is opened O_APPEND and
 * never rewritten; its folder is created 0700 and the file 0600.
 */
export async function writeAnchors(file: string, anchors: Anchor[]): Promise<void> {
  if (anchors.length === 0) return;
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const existed = fs.existsSync(file);
  const fh = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  try {
    await fh.write(anchors.map(anchorLine).join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (!existed) {
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

/** The anchor of a head whose last entry is of a day before `today` and is not anchored yet, if any. */
function dueAnchor(head: ChainHead, today: string): Anchor | null {
  if (!head.last_at || head.last_seq === 0 || head.anchored_seq === head.last_seq || dayOf(head.last_at) >= today) return null;
  return { day: dayOf(head.last_at), chainId: head.chain_id, seq: head.last_seq, id: head.last_id, hash: head.last_hash };
}

export async function appendAudit(trx: Trx, actor: Actor, entry: AuditEntry): Promise<AuditRow> {
  const settings = auditSettingsOf(trx);
  const key = settings.keys[0]!;
  const chainId = entry.tenantId ?? PLATFORM_CHAIN;
  const head = await lockHead(trx, chainId);
  const at = new Date().toISOString();
  // The first entry of a new day anchors the chain's last head of the day before. That head is committed
  // (this transaction holds its lock), so the anchor holds even if this transaction rolls back.
  const anchor = dueAnchor(head, dayOf(at));
  if (anchor) await writeAnchors(settings.headsFile, [anchor]);
  const row: ChainedRow = {
    at,
    actor_type: actor.kind,
    actor_id: actor.label,
    actor_role: actor.role,
    tenant_id: entry.tenantId ?? null,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    before: json(entry.before),
    after: json(withReason(entry.after, actor.reason)),
    ip: actor.ip ?? null,
    prev_hash: head.last_hash,
    chain_id: chainId,
    seq: head.last_seq + 1,
    actor_ref: actor.id,
    key_id: key.id,
  };
  const hash = entryMac(key.key, row);
  const [inserted] = (await trx('audit_log')
    .insert({ ...row, hash })
    .returning('id')) as Array<{ id: number } | number>;
  const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
  await trx('audit_chains')
    .where({ chain_id: chainId })
    .update({ last_seq: row.seq, last_id: id, last_hash: hash, last_at: at, ...(anchor ? { anchored_seq: anchor.seq } : {}) });
  return { ...row, id, hash };
}

/**
 * The `audit.anchor` job: anchors the head of every chain whose last entry is of an earlier day and is not
 * anchored yet (a chain without entries today would otherwise wait for its next one). Returns how many.
 */
export async function anchorAuditHeads(db: Db, now: Date = new Date()): Promise<number> {
  const settings = auditSettingsOf(db);
  const today = dayOf(now.toISOString());
  const due = (await db('audit_chains').where('last_at', '<', today).whereRaw('anchored_seq <> last_seq').select('chain_id')) as Array<{
    chain_id: string;
  }>;
  let written = 0;
  for (const { chain_id } of due) {
    await db.transaction(async (trx) => {
      const anchor = dueAnchor(await lockHead(trx, chain_id), today);
      if (!anchor) return;
      await writeAnchors(settings.headsFile, [anchor]);
      await trx('audit_chains').where({ chain_id }).update({ anchored_seq: anchor.seq });
      written++;
    });
  }
  return written;
}

export interface ChainVerification {
  ok: boolean;
  /** entries checked, over every chain */
  checked: number;
  /** id: the audit_log id the problem is at (0: the heads file itself) */
  problems: Array<{ id: number; problem: string }>;
}

const VERIFY_PAGE = 5000;
const ANCHOR_LINE = /^(\d{4}-\d{2}-\d{2}) (\S{1,36}) (\d+) (\d+) ([0-9a-f]{64})$/;

/** The heads file's anchors by chain and seq; a line that is not an anchor is a problem of its own. */
export function readAnchors(file: string): { anchors: Map<string, Map<number, Anchor>>; problems: string[] } {
  const anchors = new Map<string, Map<number, Anchor>>();
  const problems: string[] = [];
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  text.split('\n').forEach((line, n) => {
    if (line === '') return;
    const m = ANCHOR_LINE.exec(line);
    if (!m) {
      problems.push(`${file} line ${n + 1} is not an anchor`);
      return;
    }
    const a: Anchor = { day: m[1]!, chainId: m[2]!, seq: Number(m[3]), id: Number(m[4]), hash: m[5]! };
    const chain = anchors.get(a.chainId) ?? new Map<number, Anchor>();
    const seen = chain.get(a.seq);
    // the same anchor twice (a first append of the day that rolled back) is harmless; two different ones are not
    if (seen && (seen.hash !== a.hash || seen.id !== a.id)) problems.push(`${file} line ${n + 1} contradicts an earlier line`);
    chain.set(a.seq, a);
    anchors.set(a.chainId, chain);
  });
  return { anchors, problems };
}

const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The legacy prefix, in id order up to the frozen audit_head: edited, deleted, cut and slipped-in entries. */
async function verifyLegacy(db: Db, problems: ChainVerification['problems']): Promise<number> {
  let prevHash = GENESIS_HASH;
  let expectedId = 1;
  let checked = 0;
  const head = (await db('audit_head').where({ id: 1 }).first()) as { last_id: number; last_hash: string };
  const lastId = Number(head.last_id);
  for (;;) {
    const rows = (await db('audit_log')
      .whereNull('chain_id')
      .andWhere('id', '>=', expectedId)
      .andWhere('id', '<=', lastId)
      .orderBy('id')
      .limit(VERIFY_PAGE)) as AuditRow[];
    for (const raw of rows) {
      const { hash, chain_id: _c, seq: _s, actor_ref: _a, key_id: _k, ...legacy } = { ...raw, id: Number(raw.id) };
      if (legacy.id !== expectedId) problems.push({ id: expectedId, problem: `entries ${expectedId}..${legacy.id - 1} are missing` });
      if (legacy.prev_hash !== prevHash)
        problems.push({ id: legacy.id, problem: 'does not follow the entry before it (previous entry deleted or edited)' });
      if (legacyHash(legacy) !== hash) problems.push({ id: legacy.id, problem: 'content does not match its hash (entry edited)' });
      prevHash = hash;
      expectedId = legacy.id + 1;
      checked++;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  if (lastId !== expectedId - 1 || head.last_hash !== prevHash) {
    problems.push({ id: lastId, problem: `the log ends at ${expectedId - 1} but its head records ${lastId} (entries removed at the end)` });
  }
  // since the chains, nothing writes entries without one: such an entry was slipped in
  const stray = (await db('audit_log').whereNull('chain_id').andWhere('id', '>', lastId).select('id')) as Array<{ id: number }>;
  for (const s of stray) problems.push({ id: Number(s.id), problem: 'belongs to no chain (entry inserted by hand)' });
  return checked;
}

/** One chain: seq without gaps, each entry linked to the one before and keyed, its head and its anchors. */
async function verifyChain(
  db: Db,
  head: ChainHead,
  keys: Map<string, AuditKey>,
  anchors: Map<number, Anchor>,
  problems: ChainVerification['problems'],
): Promise<number> {
  const chain = head.chain_id === PLATFORM_CHAIN ? 'the platform chain' : `tenant ${head.chain_id}'s chain`;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let lastRowId = head.last_id;
  let checked = 0;
  for (;;) {
    const rows = (await db('audit_log')
      .where({ chain_id: head.chain_id })
      .andWhere('seq', '>=', expectedSeq)
      .andWhere('seq', '<=', head.last_seq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)) as AuditRow[];
    for (const raw of rows) {
      const { id, hash, ...content } = { ...raw, id: Number(raw.id), seq: Number(raw.seq) };
      const seq = content.seq;
      if (seq !== expectedSeq) problems.push({ id, problem: `entries ${expectedSeq}..${seq - 1} of ${chain} are missing (deleted)` });
      if (content.prev_hash !== prevHash)
        problems.push({ id, problem: `does not follow the entry before it in ${chain} (previous entry deleted or edited)` });
      const key = keys.get(content.key_id ?? '');
      if (!key) problems.push({ id, problem: `keyed with audit key ${content.key_id}, which this process does not have` });
      else if (!sameHex(entryMac(key.key, content), hash))
        problems.push({ id, problem: 'content does not match its keyed hash (entry edited, or re-chained without the key)' });
      const anchor = anchors.get(seq);
      if (anchor && (anchor.hash !== hash || anchor.id !== id))
        problems.push({ id, problem: `differs from the head of ${chain} anchored for ${anchor.day} in the heads file (log rewritten)` });
      prevHash = hash;
      expectedSeq = seq + 1;
      lastRowId = id;
      checked++;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  if (head.last_seq !== expectedSeq - 1 || head.last_hash !== prevHash) {
    problems.push({
      id: lastRowId,
      problem: `${chain} ends at entry ${expectedSeq - 1} but its head records ${head.last_seq} (entries removed at the end)`,
    });
  }
  for (const a of anchors.values()) {
    if (a.seq > head.last_seq)
      problems.push({
        id: a.id,
        problem: `${chain} ends at ${head.last_seq}, before its head anchored for ${a.day} (${a.seq}): entries removed`,
      });
  }
  return checked;
}

/**
 * Verifies the legacy prefix and every chain, and every anchor of the heads file against its chain. Each
 * chain's head is read before its walk and the walk stops there: entries appended meanwhile (a live
 * system) are left for the next verification instead of looking like a head that fell behind.
 */
export async function verifyAuditChain(db: Db): Promise<ChainVerification> {
  const settings = auditSettingsOf(db);
  const keys = new Map(settings.keys.map((k) => [k.id, k]));
  const problems: ChainVerification['problems'] = [];
  let checked = await verifyLegacy(db, problems);
  const { anchors, problems: fileProblems } = readAnchors(settings.headsFile);
  for (const p of fileProblems) problems.push({ id: 0, problem: p });
  const heads = ((await db('audit_chains').orderBy('chain_id')) as ChainHead[]).map(numericHead);
  for (const head of heads) checked += await verifyChain(db, head, keys, anchors.get(head.chain_id) ?? new Map(), problems);
  const known = new Set(heads.map((h) => h.chain_id));
  for (const [chainId, chainAnchors] of anchors) {
    if (known.has(chainId)) continue;
    const first = [...chainAnchors.values()][0]!;
    problems.push({
      id: first.id,
      problem: `chain ${chainId} is anchored in the heads file but has no head in the database (chain removed)`,
    });
  }
  const headless = (await db('audit_log')
    .whereNotNull('chain_id')
    .whereNotIn('chain_id', db('audit_chains').select('chain_id'))
    .groupBy('chain_id')
    .select('chain_id')
    .min({ id: 'id' })) as Array<{ chain_id: string; id: number }>;
  for (const h of headless) problems.push({ id: Number(h.id), problem: `chain ${h.chain_id} has entries but no head (head row removed)` });
  return { ok: problems.length === 0, checked, problems };
}
