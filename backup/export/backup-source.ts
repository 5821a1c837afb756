import type { Services } from '../../platform/context';
import { folderContentAt, foldersAt } from '../repositories/index-rows';
import { openStore } from '../store/open-store';
import type { ExportFolder, ExportMessage, ExportSource } from './source';

/**
 * A backup as of `at` as an export source: the folders and messages the index says the account held
 * then, each body read from the tenant's store (decrypted and verified against its SHA-256 on the way
 * out: a corrupt or missing body fails the export instead of landing in it). Opening the store without
 * `create` makes a lost data key an error, never an empty export.
 */
export async function openBackupSource(
  services: Pick<Services, 'config' | 'db'>,
  account: { id: string; tenantId: string; address: string },
  at: string,
): Promise<ExportSource> {
  const store = await openStore(services, account.tenantId);
  return {
    address: account.address,
    async folders(): Promise<ExportFolder[]> {
      const rows = await foldersAt(services.db, account.id, at);
      const byName = new Map<string, ExportFolder>();
      for (const f of rows) {
        // one name may have had several incarnations (deleted and re-created); one folder in the export
        const known = byName.get(f.name);
        if (known) continue;
        byName.set(f.name, { name: f.name, delimiter: f.delimiter, specialUse: f.special_use, messages: 0, bytes: null }); // counted as written
      }
      return [...byName.values()].sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : 1));
    },
    async *messages(folder): AsyncGenerator<ExportMessage> {
      for (const row of await folderContentAt(services.db, account.id, folder.name, at)) {
        yield {
          internalDate: new Date(row.internal_date),
          flags: JSON.parse(row.flags) as string[],
          size: Number(row.size),
          sha256: row.hash,
          open: () => quietly(store.get(row.hash)),
        };
      }
    },
    async close() {},
  };
}

/** The reader's error reaches whoever consumes the stream; until then it must not be an unhandled event. */
export async function quietly<T extends NodeJS.EventEmitter>(stream: Promise<T>): Promise<T> {
  const s = await stream;
  s.on('error', () => undefined);
  return s;
}
