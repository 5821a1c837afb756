// Flag changes on the destination. imapflow signals a refused STORE by returning false, not by
// throwing; a record must never claim flags the destination does not have, so false is an error.
import type { ImapFlow } from 'imapflow';
import { MigratorError } from '../errors';
import { compressUids } from '../../platform/mail/uidset';
import type { MigrationStateStore } from '../state/store';
import { checkAborted } from './context';
import type { FlagGroup } from './folder-plan';
import { assertSelected } from './messages';

/** Replaces the flags of `uids` (UID STORE FLAGS); throws when the server did not do it. */
export async function setFlags(dst: ImapFlow, uids: readonly number[], flags: string[]): Promise<void> {
  if (!uids.length) return;
  const ok = await dst.messageFlagsSet(compressUids(uids), flags, { uid: true });
  if (!ok) {
    assertSelected(dst); // a dropped connection is retried
    throw new MigratorError(
      'MIGRATOR_PROTOCOL',
      `the destination refused UID STORE FLAGS (${flags.join(' ') || 'none'}) on ${uids.length} message(s)`,
    );
  }
}

/** Applies the flag changes of already copied messages and records them; returns how many changed. */
export async function applyFlagChanges(
  dst: ImapFlow,
  store: MigrationStateStore,
  folderId: number,
  groups: readonly FlagGroup[],
  signal?: AbortSignal,
): Promise<number> {
  let n = 0;
  for (const g of groups) {
    checkAborted(signal);
    await setFlags(dst, g.uids, g.flags);
    await store.putMessages(folderId, g.records);
    n += g.uids.length;
  }
  return n;
}
