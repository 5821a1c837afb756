// One incremental backup pass over one account: a one-way sync from Dovecot (through the master user) into
// the tenant's store and the index.
//
// Per folder, LIST-STATUS gives UIDVALIDITY, UIDNEXT, MESSAGES and HIGHESTMODSEQ in one round trip for the
// whole account; a folder whose four figures match the last pass is not even selected. A changed folder is
// EXAMINEd (read-only: no \Seen is ever set) and costs:
//   - the metadata of UIDs from the last UIDNEXT on (new messages), and the bodies of those not indexed yet;
//   - flags changed since the last HIGHESTMODSEQ (CONDSTORE), or every UID's flags on servers without it;
//   - a UID SEARCH only when the message count says something was expunged.
// Index rows are written in batches after their bodies are durable, so a killed pass loses only work: the
// rerun fetches again what has no index row, and the store keeps each body once (content-addressed).
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { ImapFlow, ListResponse } from 'imapflow';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { compressUids } from '../../platform/mail/uidset';
import type { AccountRow } from '../../tenancy/repositories/rows';
import * as idx from '../repositories/index-rows';
import { recordBlobs } from '../repositories/keys';
import { finishPass, insertPass } from '../repositories/passes';
import type { BackupFolderRow } from '../repositories/rows';
import { openStore } from '../store/open-store';
import type { BodyStore, PutResult } from '../store/store';
import {
  FETCH_BATCH_BYTES,
  FETCH_BATCH_MESSAGES,
  INDEX_WRITE_BATCH,
  PASS_PARALLEL_FOLDERS,
  STORE_WRITE_CONCURRENCY,
  STREAM_MESSAGE_BYTES,
} from '../limits';
import { acquirePassLease, type Lease } from './lease';
import { bodyCounters, fetchBodies, indexRow, listFlags, listMeta, streamBody, type BodyCounters, type MessageMeta } from './messages';

export interface PassStats extends BodyCounters {
  folders: number;
  foldersChanged: number;
  foldersGone: number;
  newMessages: number;
  bodiesStored: number;
  bytesStored: number;
  flagChanges: number;
  gone: number;
}

export type PassProgress =
  | { kind: 'plan'; folders: number }
  | { kind: 'folder'; folder: string; state: 'unchanged' | 'synced'; newMessages: number }
  | { kind: 'messages'; messages: number; bytes: number };

export interface PassOptions {
  trigger: 'schedule' | 'demand';
  onProgress?: (e: PassProgress) => void;
}

interface FolderStatus {
  path: string;
  delimiter: string | null;
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  messages: number;
  highestModseq: string | null;
}

const emptyStats = (): PassStats => ({
  folders: 0,
  foldersChanged: 0,
  foldersGone: 0,
  newMessages: 0,
  bodiesStored: 0,
  bytesStored: 0,
  flagChanges: 0,
  gone: 0,
  bodiesFetched: 0,
  bytesFetched: 0,
});

async function listFolders(client: ImapFlow): Promise<FolderStatus[]> {
  const query = { messages: true, uidNext: true, uidValidity: true, highestModseq: true } as const;
  const entries: ListResponse[] = await client.list({ statusQuery: query });
  const out: FolderStatus[] = [];
  for (const e of entries) {
    if (e.flags.has('\\Noselect') || e.flags.has('\\NonExistent')) continue;
    // servers without LIST-STATUS: one STATUS per folder
    const st = e.status ?? (await client.status(e.path, query));
    if (!st) throw new Error(`STATUS of ${e.path} failed`);
    out.push({
      path: e.path,
      delimiter: e.delimiter ?? null,
      specialUse: e.specialUse ?? null,
      uidValidity: Number(st.uidValidity),
      uidNext: Number(st.uidNext),
      messages: Number(st.messages),
      highestModseq: st.highestModseq !== undefined && st.highestModseq !== null ? String(st.highestModseq) : null,
    });
  }
  return out;
}

const unchanged = (row: BackupFolderRow, st: FolderStatus) =>
  Number(row.uidvalidity) === st.uidValidity &&
  Number(row.uidnext) === st.uidNext &&
  Number(row.messages) === st.messages &&
  // without CONDSTORE a flag change is invisible in STATUS: such a folder is always listed
  st.highestModseq !== null &&
  row.highest_modseq === st.highestModseq;

interface PassRun {
  services: Services;
  account: AccountRow;
  store: BodyStore;
  /** the pass's first session: lists the folders and syncs folders too */
  client: ImapFlow;
  /** opens another master-user session, for folders synced in parallel */
  connect: () => Promise<ImapFlow>;
  lease: Lease;
  stats: PassStats;
  counters: BodyCounters[];
  opts: PassOptions;
}

/** Backs up one account. Throws AppError('conflict') when a pass of the account is already running. */
export async function backupAccount(
  services: Services,
  account: AccountRow,
  opts: PassOptions,
): Promise<{ passId: string; stats: PassStats }> {
  const lease = await acquirePassLease(services.db, account);
  const passId = randomUUID();
  const stats = emptyStats();
  const log = services.logger.child({ tenantId: account.tenant_id, accountId: account.id, passId });
  try {
    await insertPass(services.db, {
      id: passId,
      tenant_id: account.tenant_id,
      account_id: account.id,
      trigger: opts.trigger,
      status: 'running',
      started_at: nowIso(),
      finished_at: null,
      stats: null,
      error: null,
    });
    try {
      // staged bodies of a killed pass of this account are swept by the next one (it holds the lease)
      const store = await openStore(services, account.tenant_id, { create: true, stagingArea: account.id });
      const connect = () => connectPlatformImap(services.config.dovecot, masterLogin(services.config.dovecot, account.address), log);
      const client = await connect();
      try {
        await runPass({ services, account, store, client, connect, lease, stats, counters: [stats, bodyCounters], opts });
      } finally {
        await client.logout().catch(() => client.close());
      }
      await finishPass(services.db, passId, { status: 'done', finished_at: nowIso(), stats: JSON.stringify(stats), error: null });
      log.info({ stats }, 'backup pass done');
      return { passId, stats };
    } catch (e) {
      await finishPass(services.db, passId, {
        status: 'failed',
        finished_at: nowIso(),
        stats: JSON.stringify(stats),
        error: (e as Error).message.slice(0, 2000),
      }).catch(() => undefined);
      throw e;
    }
  } finally {
    await lease.release().catch((e: Error) => log.warn({ err: e.message }, 'backup lease release failed'));
  }
}

async function runPass(run: PassRun): Promise<void> {
  const { services, account, client, lease } = run;
  const stats = run.stats;
  const db = services.db;
  const server = await listFolders(client);
  stats.folders = server.length;
  run.opts.onProgress?.({ kind: 'plan', folders: server.length });
  const known = await idx.liveFolders(db, account.id);
  const byName = new Map(known.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const untouched: number[] = [];
  const changed: Array<{ st: FolderStatus; row: BackupFolderRow | undefined }> = [];
  for (const st of server) {
    seen.add(st.path);
    const row = byName.get(st.path);
    if (row && unchanged(row, st)) {
      untouched.push(row.id);
      run.opts.onProgress?.({ kind: 'folder', folder: st.path, state: 'unchanged', newMessages: 0 });
      continue;
    }
    changed.push({ st, row });
  }
  stats.foldersChanged = changed.length;
  // changed folders on up to PASS_PARALLEL_FOLDERS sessions: one session's FETCH waits on Dovecot while
  // another's bodies are compressed and sealed. The first failure stops the others from taking a folder.
  let next = 0;
  let failed = false;
  const worker = async (client: ImapFlow): Promise<void> => {
    while (!failed && next < changed.length) {
      const { st, row } = changed[next++]!;
      lease.check();
      try {
        const added = await syncFolder({ ...run, client }, st, row);
        run.opts.onProgress?.({ kind: 'folder', folder: st.path, state: 'synced', newMessages: added });
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const extra = Math.min(PASS_PARALLEL_FOLDERS, changed.length) - 1;
  await Promise.all([
    worker(client),
    ...Array.from({ length: Math.max(0, extra) }, async () => {
      const own = await run.connect();
      try {
        await worker(own);
      } finally {
        await own.logout().catch(() => own.close());
      }
    }),
  ]);
  const at = nowIso();
  for (const f of known) {
    if (seen.has(f.name)) continue;
    // deleted or renamed away: the incarnation closes, its messages are gone as of now
    stats.gone += await idx.closeFolder(db, f.id, at);
    stats.foldersGone++;
  }
  await idx.touchFolders(db, untouched, at);
}

/** Brings one changed folder's index up to date; returns the number of new messages indexed. */
async function syncFolder(run: PassRun, st: FolderStatus, row: BackupFolderRow | undefined): Promise<number> {
  const { services, account, client, lease, stats } = run;
  const db = services.db;
  const lock = await client.getMailboxLock(st.path, { readOnly: true });
  try {
    const mb = client.mailbox;
    if (!mb) throw new Error(`folder ${st.path} could not be opened`);
    const validity = Number(mb.uidValidity);
    const uidNextAtOpen = Number(mb.uidNext);
    const modseqAtOpen = mb.highestModseq !== undefined && mb.highestModseq !== null ? String(mb.highestModseq) : null;
    const seenAt = nowIso();
    if (row && Number(row.uidvalidity) !== validity) {
      // UIDVALIDITY changed: the old UIDs mean nothing any more; a new incarnation starts
      stats.gone += await idx.closeFolder(db, row.id, seenAt);
      row = undefined;
    }
    const folderId =
      row?.id ??
      (await idx.insertFolder(db, {
        tenant_id: account.tenant_id,
        account_id: account.id,
        name: st.path,
        delimiter: st.delimiter,
        special_use: st.specialUse,
        uidvalidity: validity,
        uidnext: null,
        highest_modseq: null,
        messages: 0,
        first_seen: seenAt,
        gone_at: null,
        synced_at: null,
      }));
    const open = await idx.openMessages(db, folderId);
    const knownByUid = new Map(open.map((r) => [Number(r.uid), r]));
    const lastNext = row?.uidnext ? Number(row.uidnext) : 1;

    // ---- new messages (UID >= the last UIDNEXT), minus those a killed pass already indexed
    const listing = (await listMeta(client, `${lastNext}:*`)).filter((m) => m.uid >= lastNext);
    const fresh = listing.filter((m) => !knownByUid.has(m.uid));

    // ---- flag changes of the messages the index knows
    const flagChanges: Array<{ uid: number; flags: string[] }> = [];
    if (open.length) {
      const oldRange = `1:${Math.max(1, lastNext - 1)}`;
      const since = row?.highest_modseq && modseqAtOpen !== null ? BigInt(row.highest_modseq) : null;
      const changed = since !== null && modseqAtOpen === row?.highest_modseq ? [] : await listFlags(client, oldRange, since);
      for (const c of [...changed, ...listing.filter((m) => knownByUid.has(m.uid))]) {
        const k = knownByUid.get(c.uid);
        if (k && k.flags !== JSON.stringify(c.flags)) flagChanges.push({ uid: c.uid, flags: c.flags });
      }
    }

    // ---- expunged: only looked for when the count does not add up
    let goneIds: number[] = [];
    const exists = client.mailbox ? Number(client.mailbox.exists) : st.messages;
    if (open.length && exists !== open.length + fresh.length) {
      const present = new Set((await client.search({ uid: compressUids([...knownByUid.keys()]) }, { uid: true })) || []);
      goneIds = open.filter((r) => !present.has(Number(r.uid))).map((r) => r.id);
    }

    lease.check();
    await recordChanges(run, folderId, flagChanges, goneIds, seenAt);
    await storeNew(run, { folderId, folder: st.path, uidValidity: validity }, fresh, seenAt);

    await idx.updateFolder(db, folderId, {
      uidnext: uidNextAtOpen,
      highest_modseq: modseqAtOpen,
      messages: client.mailbox ? Number(client.mailbox.exists) : st.messages,
      delimiter: st.delimiter,
      special_use: st.specialUse,
      synced_at: nowIso(),
    });
    // the next pass compares LIST-STATUS with these figures; a message that arrived while this one ran makes
    // them differ, so it is picked up then
    stats.newMessages += fresh.length;
    return fresh.length;
  } finally {
    lock.release();
  }
}

async function recordChanges(
  run: PassRun,
  folderId: number,
  flagChanges: Array<{ uid: number; flags: string[] }>,
  goneIds: number[],
  at: string,
): Promise<void> {
  if (!flagChanges.length && !goneIds.length) return;
  const db = run.services.db;
  const changedRows = flagChanges.length
    ? await idx.openMessagesByUid(
        db,
        folderId,
        flagChanges.map((c) => c.uid),
      )
    : [];
  const flagsByUid = new Map(flagChanges.map((c) => [c.uid, c.flags]));
  await inTransaction(db, async ({ trx }) => {
    if (goneIds.length) await idx.closeMessages(trx, goneIds, at, 'expunged');
    if (changedRows.length) {
      // a flag change closes the interval and opens the next one with the new flags
      await idx.closeMessages(
        trx,
        changedRows.map((r) => r.id),
        at,
        'flags',
      );
      await idx.insertMessages(
        trx,
        changedRows.map(({ id: _id, gone_at: _g, close_reason: _c, ...r }) => ({
          ...r,
          flags: JSON.stringify(flagsByUid.get(Number(r.uid))),
          first_seen: at,
        })),
      );
    }
  });
  run.stats.gone += goneIds.length;
  run.stats.flagChanges += changedRows.length;
}

/** Fetches, stores and indexes the new messages of the selected folder. */
async function storeNew(
  run: PassRun,
  where: { folderId: number; folder: string; uidValidity: number },
  fresh: MessageMeta[],
  seenAt: string,
): Promise<void> {
  if (!fresh.length) return;
  const { services, account, client, store, stats, lease } = run;
  const db = services.db;
  const ctx = { tenantId: account.tenant_id, accountId: account.id, ...where };
  const metaByUid = new Map(fresh.map((m) => [m.uid, m]));
  const pending: Array<{ meta: MessageMeta; put: PutResult }> = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const batch = pending.splice(0);
    if (!batch.length) return writing;
    writing = writing.then(async () => {
      // the bodies of the batch are durable before any row names them (the store's commit waits for
      // every staged body, also those staged by other folders of the pass meanwhile)
      await store.commit();
      await inTransaction(db, async ({ trx }) => {
        // body rows first: an index row never names a body the inventory does not know
        await recordBlobs(
          trx,
          batch.map((b) => ({
            tenant_id: account.tenant_id,
            hash: b.put.hash,
            size: b.put.size,
            stored_bytes: b.put.storedBytes,
            created_at: seenAt,
          })),
        );
        await idx.insertMessages(
          trx,
          batch.map((b) => indexRow(b.meta, ctx, b.put.hash, seenAt)),
        );
      });
    });
    return writing;
  };
  const stored = (meta: MessageMeta, put: PutResult) => {
    if (put.created) {
      stats.bodiesStored++;
      stats.bytesStored += put.storedBytes;
    }
    pending.push({ meta, put });
    run.opts.onProgress?.({ kind: 'messages', messages: 1, bytes: put.size });
    if (pending.length >= INDEX_WRITE_BATCH) void flush();
  };

  const small = fresh.filter((m) => m.size <= STREAM_MESSAGE_BYTES);
  const large = fresh.filter((m) => m.size > STREAM_MESSAGE_BYTES);

  // small ones: a FETCH per batch, bodies sealed and written in parallel while the FETCH goes on
  const limit = pLimit(STORE_WRITE_CONCURRENCY);
  let inFlightBytes = 0;
  let waiter: (() => void) | null = null;
  let failure: Error | null = null;
  const writes: Promise<void>[] = [];
  for (let i = 0; i < small.length;) {
    let bytes = 0;
    const batch: number[] = [];
    while (i < small.length && batch.length < FETCH_BATCH_MESSAGES && (batch.length === 0 || bytes + small[i]!.size <= FETCH_BATCH_BYTES)) {
      bytes += small[i]!.size;
      batch.push(small[i]!.uid);
      i++;
    }
    lease.check();
    await fetchBodies(client, compressUids(batch), run.counters, async (uid, body) => {
      const meta = metaByUid.get(uid);
      if (!meta) return;
      if (failure) throw failure;
      inFlightBytes += body.length;
      writes.push(
        limit(async () => {
          try {
            stored(meta, await store.putStaged(body));
          } catch (e) {
            failure ??= e as Error;
          } finally {
            inFlightBytes -= body.length;
            if (waiter) waiter();
          }
        }),
      );
      // FETCH pacing: do not read further ahead than the writers can take
      while (inFlightBytes > FETCH_BATCH_BYTES * 2) await new Promise<void>((r) => (waiter = r));
      waiter = null;
    });
  }
  await Promise.all(writes);
  if (failure) throw failure;

  // large ones: streamed, one at a time
  for (const meta of large) {
    lease.check();
    stored(meta, await store.put(streamBody(client, meta.uid, STREAM_MESSAGE_BYTES, run.counters)));
  }
  await flush();
}
