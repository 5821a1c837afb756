// What a folder pass reports.
import type { FolderPlan } from '../folders/mapping';
import type { FolderSnapshot } from './snapshot';

export interface FolderPassResult {
  sourcePath: string;
  destPath: string;
  sourceCount: number;
  copied: number;
  bytesCopied: number;
  alreadyPresent: number;
  flagsUpdated: number;
  deleted: number;
  skipped: Array<{ uid: number; size: number; reason: string }>;
  failed: Array<{ uid: number; size: number; error: string }>;
  refusedFlags: Array<{ uid: number; flags: string[] }>;
  /** Source UIDs APPENDed to a destination without UIDPLUS whose copy was not found by hash: recorded unconfirmed. */
  unconfirmed: number[];
  /** Copied, but stored by the destination with other bytes than the source's (counted in `copied` too). */
  altered: Array<{ uid: number; destUid: number; reason: string }>;
  /** Catch-up: records whose destination copy the user removed (deleted, moved) after the switch, found in this pass. */
  removedByUser: number;
  /** Catch-up: the user deleted the destination folder after the switch; it is left deleted, not an error. */
  folderRemovedByUser: boolean;
  /** The source as this pass saw it (snapshot.ts): what a verification against this pass checks. */
  snapshot?: FolderSnapshot;
  error?: string;
}

export function emptyFolderResult(plan: FolderPlan): FolderPassResult {
  return {
    sourcePath: plan.sourcePath,
    destPath: plan.destPath,
    sourceCount: 0,
    copied: 0,
    bytesCopied: 0,
    alreadyPresent: 0,
    flagsUpdated: 0,
    deleted: 0,
    skipped: [],
    failed: [],
    refusedFlags: [],
    unconfirmed: [],
    altered: [],
    removedByUser: 0,
    folderRemovedByUser: false,
  };
}
