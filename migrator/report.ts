// The migration report: per folder what the pass did and what verification found, the
// manifest digest support keeps as evidence, and a short text summary.
import { createHash } from 'node:crypto';
import type { FolderPlan } from './folders/mapping';
import type { PassMode } from './options';
import type { FolderPassResult } from './engine/folder-sync';
import type { PreflightReport } from './engine/preflight';
import type { FolderVerification } from './engine/verify';

/**
 * What verification concluded, worst first: a folder could not be verified; no folder was selected
 * (a mistyped --include); messages are missing; the destination holds duplicates or a message it
 * stores with other bytes than it reports; messages were skipped by policy (size cap, APPENDLIMIT)
 * and nothing else is wrong; verified.
 */
export type VerificationOutcome =
  'errors' | 'nothing-selected' | 'missing' | 'duplicates' | 'altered' | 'verified-except-skipped' | 'verified';

export interface VerificationReport {
  account: { source: string; destination: string };
  /** Only when outcome is 'verified': every source message is on the destination, nothing skipped. */
  verified: boolean;
  outcome: VerificationOutcome;
  manifestDigest: string;
  folders: FolderVerification[];
  totals: {
    sourceCount: number;
    destCount: number;
    matched: number;
    skipped: number;
    missing: number;
    /** Catch-up verification: copied messages the user removed on the destination after the switch. */
    removedByUser: number;
    /** Verification against a pass's snapshot: source messages that arrived after that pass (for the catch-up). */
    newcomers: number;
    duplicates: number;
    /** Source messages the destination stores with other bytes (NUL bytes re-encoded), listed per folder. */
    alteredByDestination: number;
    sizeMismatches: number;
    flagMismatches: number;
    dateMismatches: number;
  };
  startedAt: string;
  finishedAt: string;
}

export interface PassResult {
  migrationId: string;
  account: { source: string; destination: string };
  mode: PassMode;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  plan: FolderPlan[];
  preflight?: PreflightReport;
  folders: FolderPassResult[];
  totals: {
    copied: number;
    bytesCopied: number;
    alreadyPresent: number;
    flagsUpdated: number;
    deleted: number;
    skipped: number;
    failed: number;
    /** Copied, but stored by the destination with other bytes (NUL bytes re-encoded); also in `copied`. */
    altered: number;
    /** Catch-up: copies the user removed on the destination (left removed), and folders the user deleted. */
    removedByUser: number;
    foldersRemovedByUser: number;
  };
  /** Folders that could not be processed at all. */
  failedFolders: Array<{ sourcePath: string; error: string }>;
}

export interface MigrationReport {
  version: 1;
  migrationId: string;
  account: { source: string; destination: string };
  verified: boolean;
  pass?: PassResult;
  verification?: VerificationReport;
  /** Source folder → UIDs that failed to copy or are missing: input of --retry-failed. */
  retry: Record<string, number[]>;
}

/** Digest over the per-folder hash lists: one line per folder "<dest name>\t<count>\t<digest>", sorted. */
export function manifestDigest(
  folders: ReadonlyArray<Pick<FolderVerification, 'destPath' | 'sourceCount' | 'hashListDigest' | 'skipped'>>,
): string {
  const lines = folders.map((f) => `${f.destPath}\t${f.sourceCount - f.skipped.length}\t${f.hashListDigest}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

export function buildVerificationReport(
  account: VerificationReport['account'],
  folders: FolderVerification[],
  startedAt: Date,
): VerificationReport {
  const totals = {
    sourceCount: 0,
    destCount: 0,
    matched: 0,
    skipped: 0,
    missing: 0,
    removedByUser: 0,
    newcomers: 0,
    duplicates: 0,
    alteredByDestination: 0,
    sizeMismatches: 0,
    flagMismatches: 0,
    dateMismatches: 0,
  };
  for (const f of folders) {
    totals.sourceCount += f.sourceCount;
    totals.destCount += f.destCount;
    totals.matched += f.matched;
    totals.skipped += f.skipped.length;
    totals.missing += f.missingCount;
    totals.removedByUser += f.removedByUserCount;
    totals.newcomers += f.newcomerCount;
    totals.duplicates += f.duplicates.length;
    totals.alteredByDestination += f.altered.length;
    totals.sizeMismatches += f.sizeMismatches.filter((m) => m.side === 'destination').length;
    totals.flagMismatches += f.flagMismatches.length;
    totals.dateMismatches += f.dateMismatches.length;
  }
  const outcome: VerificationOutcome = folders.some((f) => f.error)
    ? 'errors'
    : !folders.length
      ? 'nothing-selected'
      : totals.missing
        ? 'missing'
        : totals.duplicates
          ? 'duplicates'
          : totals.sizeMismatches || totals.alteredByDestination
            ? 'altered'
            : totals.skipped
              ? 'verified-except-skipped'
              : 'verified';
  return {
    account,
    verified: outcome === 'verified',
    outcome,
    manifestDigest: manifestDigest(folders),
    folders,
    totals,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

export function sumPass(folders: readonly FolderPassResult[]): PassResult['totals'] {
  const t = {
    copied: 0,
    bytesCopied: 0,
    alreadyPresent: 0,
    flagsUpdated: 0,
    deleted: 0,
    skipped: 0,
    failed: 0,
    altered: 0,
    removedByUser: 0,
    foldersRemovedByUser: 0,
  };
  for (const f of folders) {
    t.copied += f.copied;
    t.bytesCopied += f.bytesCopied;
    t.alreadyPresent += f.alreadyPresent;
    t.flagsUpdated += f.flagsUpdated;
    t.deleted += f.deleted;
    t.skipped += f.skipped.length;
    t.failed += f.failed.length;
    t.altered += f.altered.length;
    t.removedByUser += f.removedByUser;
    if (f.folderRemovedByUser) t.foldersRemovedByUser++;
  }
  return t;
}

export function buildReport(
  migrationId: string,
  pass: PassResult | undefined,
  verification: VerificationReport | undefined,
): MigrationReport {
  const retry: Record<string, number[]> = {};
  const seen = new Map<string, Set<number>>();
  const add = (folder: string, uid: number): void => {
    let s = seen.get(folder);
    if (!s) seen.set(folder, (s = new Set()));
    if (s.has(uid)) return;
    s.add(uid);
    (retry[folder] ??= []).push(uid);
  };
  for (const f of pass?.folders ?? []) for (const x of f.failed) add(f.sourcePath, x.uid);
  for (const f of verification?.folders ?? []) for (const x of f.missing) add(f.sourcePath, x.uid);
  const account = pass?.account ?? verification?.account ?? { source: '', destination: '' };
  return {
    version: 1,
    migrationId,
    account,
    verified: !!verification?.verified && !(pass?.failedFolders.length ?? 0),
    pass,
    verification,
    retry,
  };
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

/** A few human lines; the last one says VERIFIED or NOT VERIFIED. */
export function summarize(r: MigrationReport): string {
  const lines: string[] = [`migration ${r.migrationId}: ${r.account.source} -> ${r.account.destination}`];
  if (r.pass) {
    const t = r.pass.totals;
    lines.push(
      `  ${r.pass.mode} pass${r.pass.dryRun ? ' (dry run)' : ''}: copied ${t.copied} (${mb(t.bytesCopied)}), altered by the destination ${t.altered ?? 0}, already present ${t.alreadyPresent}, flags updated ${t.flagsUpdated}, deleted ${t.deleted}, skipped ${t.skipped}, failed ${t.failed}`,
    );
    if (t.removedByUser || t.foldersRemovedByUser)
      lines.push(`  removed on the destination by the user, left so: ${t.removedByUser} message(s), ${t.foldersRemovedByUser} folder(s)`);
    for (const f of r.pass.failedFolders) lines.push(`  folder failed: ${f.sourcePath}: ${f.error}`);
    for (const f of r.pass.folders) for (const x of f.failed.slice(0, 5)) lines.push(`  failed: ${f.sourcePath} uid ${x.uid}: ${x.error}`);
    if (r.pass.preflight?.problems.length) for (const p of r.pass.preflight.problems) lines.push(`  pre-flight: ${p}`);
  }
  if (r.verification) {
    const v = r.verification;
    const t = v.totals;
    lines.push(
      `  verification: source ${t.sourceCount}, destination ${t.destCount}, matched ${t.matched}, skipped ${t.skipped}, missing ${t.missing}, removed by the user ${t.removedByUser ?? 0}, duplicates ${t.duplicates ?? 0}, altered by the destination ${t.alteredByDestination ?? 0}, size mismatches ${t.sizeMismatches ?? 0}, flag mismatches ${t.flagMismatches}, date mismatches ${t.dateMismatches}`,
    );
    for (const f of v.folders) {
      if (f.error) lines.push(`  ${f.sourceName}: verification error: ${f.error}`);
      for (const a of f.altered.slice(0, 10))
        lines.push(`  altered by the destination: ${f.sourceName} uid ${a.uid} (destination uid ${a.destUid}): ${a.reason}`);
      for (const m of f.missing.slice(0, 10))
        lines.push(
          `  missing: ${f.sourceName} uid ${m.uid} ${m.messageId ?? '(no Message-ID)'} ${m.date ?? ''} "${m.subject ?? ''}" ${m.size} bytes`,
        );
    }
    if (t.newcomers) lines.push(`  arrived at the source after the pass verified against, for the catch-up: ${t.newcomers}`);
    lines.push(`  manifest digest: ${v.manifestDigest}`);
  }
  lines.push(verdict(r));
  return lines.join('\n');
}

/** The summary's last line. */
export function verdict(r: MigrationReport): string {
  const v = r.verification;
  if (r.verified && v?.totals.newcomers)
    return `VERIFIED: every message of the pass's snapshot is on the destination; ${v.totals.newcomers} arrived at the source since (for the catch-up)`;
  if (r.verified && v?.totals.removedByUser)
    return `VERIFIED: every source message is on the destination or was removed there by the user (${v.totals.removedByUser})`;
  if (r.verified) return 'VERIFIED: every source message is on the destination';
  if (!v) return 'NOT VERIFIED: verification did not run';
  if (r.pass?.failedFolders.length) return 'NOT VERIFIED: folders failed in the pass (see report)';
  switch (v.outcome) {
    case 'verified-except-skipped':
      return `VERIFIED except ${v.totals.skipped} skipped by policy (see report)`;
    case 'nothing-selected':
      return 'NOT VERIFIED: no folder was selected (check --include/--exclude)';
    case 'duplicates':
      return `NOT VERIFIED: ${v.totals.duplicates} duplicate(s) on the destination (see report)`;
    case 'altered':
      return `NOT VERIFIED: ${v.totals.sizeMismatches + (v.totals.alteredByDestination ?? 0)} message(s) altered by the destination, none missing (see report)`;
    case 'errors':
      return 'NOT VERIFIED: folders could not be verified (see report)';
    default:
      return 'NOT VERIFIED: messages are missing (see report)';
  }
}
