// Pre-flight: before anything is written, what can the destination store? PERMANENTFLAGS
// (keywords), APPENDLIMIT, and the quota against what still has to be copied; lists every
// message that will not fit, with the reason.
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { MigratorError } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import type { MigrationOptions } from '../options';
import type { FolderState, MigrationStateStore, RecordCounts } from '../state/store';
import { flagFilter } from './folder-sync';
import { listMessages } from './messages';
import { forEachUidRange, inRange } from './uid-ranges';

export interface PreflightReport {
  folders: number;
  sourceMessages: number;
  sourceBytes: number;
  /** Bytes of messages not yet on the destination according to the state store. */
  bytesToCopy: number;
  destination: {
    quota?: { usageBytes: number; limitBytes: number };
    appendLimit?: number;
    permanentFlags?: string[];
  };
  keywordsRefused: string[];
  /** Messages that will not be copied, and why. */
  wontFit: Array<{ folder: string; uid: number; size: number; reason: string }>;
  quotaShortfallBytes: number;
  /** Problems that stop the pass (quota), as sentences. */
  problems: string[];
  ok: boolean;
  /** Per source folder: message count and bytes (used to order the work, biggest first). */
  perFolder: Record<string, { messages: number; bytes: number }>;
}

export async function preflight(
  args: {
    src: ImapFlow;
    dst: ImapFlow;
    plans: readonly FolderPlan[];
    options: MigrationOptions;
    store?: MigrationStateStore;
    migrationId: string;
    accountKey: string;
  },
  log: Logger,
): Promise<PreflightReport> {
  const { src, dst, plans, options } = args;
  const report: PreflightReport = {
    folders: 0,
    sourceMessages: 0,
    sourceBytes: 0,
    bytesToCopy: 0,
    destination: {},
    keywordsRefused: [],
    wontFit: [],
    quotaShortfallBytes: 0,
    problems: [],
    ok: true,
    perFolder: {},
  };
  const cap = dst.capabilities.get('APPENDLIMIT');
  if (typeof cap === 'number') report.destination.appendLimit = cap;
  try {
    const q = await dst.getQuota('INBOX');
    if (q && q.storage && typeof q.storage.limit === 'number')
      report.destination.quota = { usageBytes: q.storage.usage ?? 0, limitBytes: q.storage.limit };
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'no quota information on the destination');
  }
  // PERMANENTFLAGS need a read-write SELECT; INBOX always exists and selecting changes nothing
  const lock = await dst.getMailboxLock('INBOX');
  let permanent: Set<string> | undefined;
  try {
    const box = dst.mailbox as { permanentFlags?: Set<string>; appendLimit?: number };
    permanent = box.permanentFlags;
    if (permanent) report.destination.permanentFlags = [...permanent];
    if (typeof box.appendLimit === 'number') report.destination.appendLimit = box.appendLimit;
  } finally {
    lock.release();
  }
  const filter = flagFilter(permanent);
  const keywords = new Set<string>();
  const limit = Math.min(options.maxMessageBytes ?? Infinity, report.destination.appendLimit ?? Infinity);

  for (const plan of plans) {
    if (plan.action !== 'copy') continue;
    report.folders++;
    const l = await src.getMailboxLock(plan.sourcePath, { readOnly: true });
    try {
      // by UID ranges, each against the state records of the same range: a big folder is never held whole
      const box = src.mailbox as Box;
      const validity = Number(box.uidValidity);
      const st = args.store ? await args.store.findFolder(args.accountKey, plan.sourcePath) : null;
      const folderId = args.store && st && st.destPath === plan.destPath ? st.id : null;
      let bytes = 0;
      let messages = 0;
      const counts = folderId === null ? null : await args.store!.counts(folderId, validity);
      if (st && counts && sourceUnchanged(st, counts, box)) {
        // nothing added, removed or flagged at the source since a complete pass copied (or skipped) all of it: the records tell
        messages = Number(box.exists);
        bytes = counts.bytes;
        for (const set of await args.store!.flagSets(folderId!, validity)) for (const f of set) if (!f.startsWith('\\')) keywords.add(f);
      } else
        await forEachUidRange(box.uidNext !== undefined ? Number(box.uidNext) : undefined, async (r) => {
          const metas = (await listMessages(src, r.set, { withDate: false })).filter((m) => inRange(r, m.uid));
          const done = new Set(
            folderId === null
              ? []
              : (await args.store!.loadMessages(folderId, { sourceUidValidity: validity, from: r.from, to: r.to }))
                  .filter((x) => x.status !== 'skipped')
                  .map((x) => x.sourceUid),
          );
          messages += metas.length;
          for (const m of metas) {
            bytes += m.size;
            for (const f of m.flags) if (!f.startsWith('\\')) keywords.add(f);
            if (done.has(m.uid)) continue;
            if (m.size > limit) {
              const reason =
                options.maxMessageBytes !== undefined && m.size > options.maxMessageBytes
                  ? `larger than size cap ${options.maxMessageBytes}`
                  : `larger than destination APPENDLIMIT ${report.destination.appendLimit}`;
              report.wontFit.push({ folder: plan.sourceName, uid: m.uid, size: m.size, reason });
              continue;
            }
            report.bytesToCopy += m.size;
          }
          return Math.max(metas.length, done.size);
        });
      if (messages < Number(box.exists ?? 0))
        throw new MigratorError('MIGRATOR_CONNECTION', `listing returned ${messages} of ${Number(box.exists)} messages`);
      report.sourceMessages += messages;
      report.sourceBytes += bytes;
      report.perFolder[plan.sourcePath] = { messages, bytes };
    } finally {
      l.release();
    }
  }
  report.keywordsRefused = filter([...keywords]).refused.sort();
  const q = report.destination.quota;
  if (q) {
    const free = Math.max(0, q.limitBytes - q.usageBytes);
    if (report.bytesToCopy > free) {
      report.quotaShortfallBytes = report.bytesToCopy - free;
      report.problems.push(`destination quota too small: ${report.bytesToCopy} bytes to copy, ${free} bytes free (limit ${q.limitBytes})`);
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

type Box = { uidValidity: bigint; uidNext?: number; exists?: number; highestModseq?: bigint; noModseq?: boolean };

/** The source folder as the last complete pass left it (folder-sync.ts `unchanged`, the source half) and every record settled. */
function sourceUnchanged(st: FolderState, counts: RecordCounts, box: Box): boolean {
  return (
    box.highestModseq !== undefined &&
    !box.noModseq &&
    st.sourceHighestModseq === String(box.highestModseq) &&
    st.sourceUidValidity === Number(box.uidValidity) &&
    box.uidNext !== undefined &&
    st.sourceUidNext === Number(box.uidNext) &&
    st.sourceMessages === Number(box.exists) &&
    counts.stale === 0 &&
    counts.pending === 0 &&
    counts.current === Number(box.exists)
  );
}
