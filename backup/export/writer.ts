import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { AppError } from '../../platform/errors';
import { MBOX_FILE_NAME_MAX } from '../limits';
import { fromLine, MboxrdQuote } from './mboxrd';
import { KeywordTable, maildirFileName, maildirFolderPath, maildirInfo } from './maildir';
import type { ExportFolder, ExportMessage, ExportSource } from './source';

/**
 * Writes one account into a tar archive, as mbox files or as a Maildir tree, beside:
 * - `<address>/folders.json`: the folder map (IMAP name, delimiter, special use, the file or directory
 *   holding it, how many messages and bytes were written);
 * - `<address>/manifest.jsonl`: one line per message (folder, file, SHA-256, size, internal date, flags),
 *   the evidence an importer compares against.
 *
 * Tar needs each entry's size before its bytes. A Maildir message has its size from the source; an mbox
 * file (quoting adds bytes) and the manifest are spooled to a temporary file first, one at a time, so
 * memory stays flat and the disk holds at most one folder's mbox.
 */
export type ExportFormat = 'mbox' | 'maildir';

export type ExportEvent =
  | { kind: 'account'; address: string; folders: number; messages: number }
  | { kind: 'message'; address: string; folder: string; bytes: number }
  | { kind: 'skipped'; address: string; folder: string; reason: string };

export interface FolderSummary {
  name: string;
  delimiter: string | null;
  specialUse: string | null;
  /** mbox: the file; maildir: the folder's directory */
  path: string;
  messages: number;
  bytes: number;
}

export interface AccountExportSummary {
  address: string;
  folders: FolderSummary[];
  messages: number;
  bytes: number;
  skipped: number;
}

interface ManifestLine {
  folder: string;
  file: string;
  sha256: string;
  size: number;
  internalDate: string;
  flags: string[];
}

export async function writeAccount(
  pack: Pack,
  source: ExportSource,
  format: ExportFormat,
  opts: { onEvent?: (e: ExportEvent) => void; tmpDir?: string } = {},
): Promise<AccountExportSummary> {
  const emit = opts.onEvent ?? (() => undefined);
  const root = safeSegment(source.address);
  const spoolDir = await fs.promises.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'postwerk-export-'));
  const manifestPath = path.join(spoolDir, 'manifest.jsonl');
  const manifest = fs.createWriteStream(manifestPath);
  const summary: AccountExportSummary = { address: source.address, folders: [], messages: 0, bytes: 0, skipped: 0 };
  try {
    const folders = await source.folders();
    emit({ kind: 'account', address: source.address, folders: folders.length, messages: folders.reduce((n, f) => n + f.messages, 0) });
    let seq = 0;
    for (const folder of folders) {
      const done =
        format === 'mbox'
          ? await writeMboxFolder(pack, source, folder, `${root}/mbox/${mboxFileName(++seq, folder)}`, spoolDir, manifest, emit)
          : await writeMaildirFolder(pack, source, folder, root, () => ++seq, manifest, emit);
      summary.folders.push(done.folder);
      summary.messages += done.folder.messages;
      summary.bytes += done.folder.bytes;
      summary.skipped += done.skipped;
    }
    await endStream(manifest);
    await addFile(pack, `${root}/manifest.jsonl`, manifestPath);
    await addBuffer(pack, `${root}/folders.json`, Buffer.from(JSON.stringify(summary.folders, null, 2) + '\n'));
    return summary;
  } finally {
    manifest.destroy();
    await fs.promises.rm(spoolDir, { recursive: true, force: true });
  }
}

async function writeMboxFolder(
  pack: Pack,
  source: ExportSource,
  folder: ExportFolder,
  file: string,
  spoolDir: string,
  manifest: fs.WriteStream,
  emit: (e: ExportEvent) => void,
): Promise<{ folder: FolderSummary; skipped: number }> {
  const spoolPath = path.join(spoolDir, 'folder.mbox');
  const spool = fs.createWriteStream(spoolPath);
  const out: FolderSummary = { ...folderInfo(folder), path: file, messages: 0, bytes: 0 };
  let skipped = 0;
  try {
    for await (const m of source.messages(folder)) {
      const body = await openOrSkip(m, folder, source.address, emit);
      if (!body) {
        skipped++;
        continue;
      }
      await write(spool, fromLine(m.internalDate));
      const quote = new MboxrdQuote();
      const hashed = await copyHashed(body, quote, spool);
      if (quote.lastByte !== 0x0a) await write(spool, '\n');
      await write(spool, '\n');
      checkMessage(m, hashed, folder);
      await writeLine(manifest, manifestLine(folder, file, m, hashed));
      out.messages++;
      out.bytes += hashed.size;
      emit({ kind: 'message', address: source.address, folder: folder.name, bytes: hashed.size });
    }
    await endStream(spool);
    await addFile(pack, file, spoolPath);
    return { folder: out, skipped };
  } finally {
    spool.destroy();
    await fs.promises.rm(spoolPath, { force: true });
  }
}

async function writeMaildirFolder(
  pack: Pack,
  source: ExportSource,
  folder: ExportFolder,
  root: string,
  nextSeq: () => number,
  manifest: fs.WriteStream,
  emit: (e: ExportEvent) => void,
): Promise<{ folder: FolderSummary; skipped: number }> {
  const rel = maildirFolderPath(folder.name, folder.delimiter);
  const dir = `${root}/Maildir${rel ? `/${rel}` : ''}`;
  for (const sub of ['cur', 'new', 'tmp']) await addDirectory(pack, `${dir}/${sub}`);
  const keywords = new KeywordTable();
  const out: FolderSummary = { ...folderInfo(folder), path: dir, messages: 0, bytes: 0 };
  let skipped = 0;
  for await (const m of source.messages(folder)) {
    const body = await openOrSkip(m, folder, source.address, emit);
    if (!body) {
      skipped++;
      continue;
    }
    const { info } = maildirInfo(m.flags, keywords);
    const file = `${dir}/cur/${maildirFileName(nextSeq(), m.internalDate, m.size, info)}`;
    const hashed = await addStream(pack, { name: file, size: m.size, mtime: m.internalDate }, body);
    checkMessage(m, hashed, folder);
    await writeLine(manifest, manifestLine(folder, file, m, hashed));
    out.messages++;
    out.bytes += hashed.size;
    emit({ kind: 'message', address: source.address, folder: folder.name, bytes: hashed.size });
  }
  if (keywords.size) await addBuffer(pack, `${dir}/dovecot-keywords`, Buffer.from(keywords.file()));
  return { folder: out, skipped };
}

const folderInfo = (f: ExportFolder) => ({ name: f.name, delimiter: f.delimiter, specialUse: f.specialUse });

const manifestLine = (folder: ExportFolder, file: string, m: ExportMessage, h: { sha256: string; size: number }): ManifestLine => ({
  folder: folder.name,
  file,
  sha256: h.sha256,
  size: h.size,
  internalDate: m.internalDate.toISOString(),
  flags: m.flags.filter((f) => f !== '\\Recent'),
});

/** A message expunged between the listing and its download is skipped (the live mailbox moves on). */
async function openOrSkip(
  m: ExportMessage,
  folder: ExportFolder,
  address: string,
  emit: (e: ExportEvent) => void,
): Promise<Readable | null> {
  try {
    return await m.open();
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') {
      emit({ kind: 'skipped', address, folder: folder.name, reason: e.message });
      return null;
    }
    throw e;
  }
}

/** A body that is not what the source promised must not end up in an export looking whole. */
function checkMessage(m: ExportMessage, got: { sha256: string; size: number }, folder: ExportFolder): void {
  if (m.sha256 && m.sha256 !== got.sha256) {
    throw new AppError('internal', `a message in ${folder.name} does not match its SHA-256 ${m.sha256} (got ${got.sha256})`);
  }
}

/** Mbox file names: a sequence number (unique) and a readable form of the folder name. */
export function mboxFileName(seq: number, folder: ExportFolder): string {
  const readable = (folder.delimiter ? folder.name.split(folder.delimiter).join('.') : folder.name)
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, MBOX_FILE_NAME_MAX);
  return `${String(seq).padStart(4, '0')}-${readable || 'folder'}.mbox`;
}

/** An address as a top-level folder of the archive (addresses are ASCII; anything else is replaced). */
export function safeSegment(text: string): string {
  const s = text.replace(/[^A-Za-z0-9@._+-]/g, '_');
  return s === '.' || s === '..' || s === '' ? `_${s}` : s;
}

// --- small stream helpers -------------------------------------------------------------------------

function write(out: fs.WriteStream, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

const writeLine = (out: fs.WriteStream, line: unknown) => write(out, JSON.stringify(line) + '\n');

function endStream(out: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Streams `body` through `through` into `out` (kept open), hashing the original bytes. */
async function copyHashed(body: Readable, through: MboxrdQuote, out: fs.WriteStream): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const pump = (async () => {
    for await (const chunk of through) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  })();
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (!through.write(chunk)) await new Promise<void>((r) => through.once('drain', () => r()));
    }
    through.end();
    await pump;
  } catch (e) {
    through.destroy();
    await pump.catch(() => undefined);
    throw e;
  }
  return { sha256: hash.digest('hex'), size };
}

type EntryHeader = { name: string; size?: number; mtime?: Date; type?: 'file' | 'directory'; mode?: number };

function entry(pack: Pack, header: EntryHeader, feed: (e: NodeJS.WritableStream & { write(c: Buffer): boolean }) => Promise<void>) {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    // a failed feed destroys the entry with its error, which the promise carries: not an unhandled event
    sink.on('error', () => undefined);
    feed(sink as never).catch((e) => {
      sink.destroy(e);
      reject(e);
    });
  });
}

async function addStream(pack: Pack, header: EntryHeader, body: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await entry(pack, { ...header, type: 'file' }, async (sink) => {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (size > (header.size ?? 0)) {
        throw new AppError('internal', `${header.name}: the source sent more than the ${header.size} bytes it announced`);
      }
      if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
    if (size !== header.size)
      throw new AppError('internal', `${header.name}: the source sent ${size} of the ${header.size} bytes it announced`);
    sink.end();
  });
  return { sha256: hash.digest('hex'), size };
}

async function addFile(pack: Pack, name: string, file: string): Promise<void> {
  const { size } = await fs.promises.stat(file);
  await addStream(pack, { name, size, mtime: new Date() }, fs.createReadStream(file));
}

async function addBuffer(pack: Pack, name: string, data: Buffer): Promise<void> {
  await entry(pack, { name, size: data.length, mtime: new Date(), type: 'file' }, async (sink) => {
    sink.end(data);
  });
}

async function addDirectory(pack: Pack, name: string): Promise<void> {
  await entry(pack, { name, type: 'directory', mode: 0o755, mtime: new Date() }, async (sink) => {
    sink.end();
  });
}
