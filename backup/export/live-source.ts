import type { ImapFlow } from 'imapflow';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { AppError } from '../../platform/errors';
import { EXPORT_FETCH_BATCH } from '../limits';
import type { ExportFolder, ExportMessage, ExportSource } from './source';

/**
 * The live mailbox as an export source: one IMAP connection through the master user, each folder
 * opened read-only (EXAMINE: nothing is marked \Seen, nothing changes), metadata fetched in UID batches
 * and each body streamed by `download()` (partial fetches of 64 KiB), so a 30 MB message never sits in
 * memory whole.
 */
export async function openLiveSource(deps: { config: Config; logger: Logger }, address: string): Promise<ExportSource> {
  const client = await connectPlatformImap(deps.config.dovecot, masterLogin(deps.config.dovecot, address), deps.logger);
  return {
    address,
    folders: () => listFolders(client),
    messages: (folder) => folderMessages(client, folder),
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}

async function listFolders(client: ImapFlow): Promise<ExportFolder[]> {
  const list = await client.list({ statusQuery: { messages: true } });
  return list
    .filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'))
    .map((f) => ({
      name: f.path,
      delimiter: f.delimiter ?? null,
      specialUse: f.specialUse ?? null,
      messages: f.status?.messages ?? 0,
      bytes: null,
    }))
    .sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function* folderMessages(client: ImapFlow, folder: ExportFolder): AsyncGenerator<ExportMessage> {
  const lock = await client.getMailboxLock(folder.name, { readOnly: true });
  try {
    const uids = (await client.search({ all: true }, { uid: true })) || [];
    for (let i = 0; i < uids.length; i += EXPORT_FETCH_BATCH) {
      const batch = uids.slice(i, i + EXPORT_FETCH_BATCH);
      const metas: Array<{ uid: number; internalDate: Date; flags: string[]; size: number }> = [];
      for await (const m of client.fetch(batch.join(','), { uid: true, flags: true, internalDate: true, size: true }, { uid: true })) {
        metas.push({
          uid: m.uid,
          internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? 0),
          flags: [...(m.flags ?? [])],
          size: m.size ?? 0,
        });
      }
      metas.sort((a, b) => a.uid - b.uid);
      for (const m of metas) {
        yield {
          internalDate: m.internalDate,
          flags: m.flags,
          size: m.size,
          sha256: null,
          async open() {
            const d = await client.download(String(m.uid), undefined, { uid: true });
            // expunged between the listing and the download: the caller skips it
            if (!d.content) throw new AppError('not_found', `message UID ${m.uid} in ${folder.name} is gone`);
            return d.content;
          },
        };
      }
    }
  } finally {
    lock.release();
  }
}
