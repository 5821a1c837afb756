// Deletion propagation (opt-in): what is gone at the source is expunged on the destination.
// Deleting is the one step that cannot be repeated away, so it runs only on a complete source
// UID list and only when the server confirmed every command.
import type { ImapFlow } from 'imapflow';
import { MigratorError } from '../errors';
import type { MessageRecord, MigrationStateStore } from '../state/store';
import { planDeletions } from './folder-plan';
import { assertSelected } from './messages';

/** Every UID of the selected mailbox (UID SEARCH ALL); a failed search throws, it is never "none". */
export async function allUids(client: ImapFlow): Promise<Set<number>> {
  assertSelected(client);
  const uids = await client.search({ all: true }, { uid: true });
  if (!Array.isArray(uids)) {
    assertSelected(client);
    throw new MigratorError('MIGRATOR_CONNECTION', 'UID SEARCH ALL failed: the source UID list is unknown');
  }
  return new Set(uids);
}

/** Expunges the destination copies of messages gone from the source: how many records went, and how many destination messages. */
export async function propagateDeletions(
  dst: ImapFlow,
  store: MigrationStateStore,
  folderId: number,
  current: ReadonlyMap<number, MessageRecord>,
  sourceUids: ReadonlySet<number>,
): Promise<{ records: number; expunged: number }> {
  const { gone, destUidSet } = planDeletions(current, sourceUids);
  if (destUidSet) {
    const ok = await dst.messageDelete(destUidSet, { uid: true });
    if (!ok) {
      assertSelected(dst);
      throw new MigratorError('MIGRATOR_PROTOCOL', `the destination refused to delete ${gone.length} message(s)`);
    }
  }
  await store.deleteMessages(folderId, gone);
  return { records: gone.length, expunged: gone.filter((r) => r.destUid !== null).length };
}
