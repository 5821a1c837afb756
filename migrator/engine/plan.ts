// Lists both sides and plans the folders (see folders/mapping.ts).
import type { ImapFlow } from 'imapflow';
import { type FolderPlan, type ListedFolder, planFolders } from '../folders/mapping';
import type { MigrationOptions } from '../options';

export async function listFolders(client: ImapFlow): Promise<{ folders: ListedFolder[]; prefix: string; delimiter: string }> {
  const list = await client.list();
  const ns = client.namespace as { prefix?: string; delimiter?: string } | undefined;
  const folders = list.map((f) => ({
    path: f.path,
    delimiter: f.delimiter,
    // imapflow guesses special use from names too (specialUseSource 'name'); only attributes count here
    flags: [...f.flags, ...(f.specialUse && f.specialUseSource === 'extension' ? [f.specialUse] : [])],
  }));
  const delimiter = ns?.delimiter || list.find((f) => f.delimiter)?.delimiter || '/';
  return { folders, prefix: ns?.prefix ?? '', delimiter };
}

export async function planAccount(src: ImapFlow, dst: ImapFlow, options: MigrationOptions): Promise<FolderPlan[]> {
  const [s, d] = await Promise.all([listFolders(src), listFolders(dst)]);
  return planFolders({
    source: s.folders,
    sourcePrefix: s.prefix,
    destination: d.folders,
    destDelimiter: d.delimiter,
    destPrefix: d.prefix,
    include: options.include,
    exclude: options.exclude,
    folderMap: options.folderMap,
    includeGmailVirtual: options.includeGmailVirtual,
  });
}
