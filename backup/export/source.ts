import type { Readable } from 'node:stream';

/**
 * What an export reads: the folders of one account and, folder by folder, its messages with their
 * internal date and flags, each body opened as a stream only when the writer gets to it. Two sources
 * implement it: the live mailbox over IMAP (live-source.ts) and a backup as of a chosen time
 * (backup-source.ts: the index for the listing, the store for the bodies).
 *
 * Messages are consumed strictly one after another: the writer reads a body to its end before it asks
 * for the next message, so an IMAP source can stream over one connection and memory stays flat.
 */
export interface ExportFolder {
  /** IMAP name (UTF-8), with the hierarchy delimiter */
  name: string;
  delimiter: string | null;
  specialUse: string | null;
  /** how many messages the listing expects (for progress; the writer counts what it really wrote) */
  messages: number;
  bytes: number | null;
}

export interface ExportMessage {
  internalDate: Date;
  flags: string[];
  /** exact size of the body the stream yields */
  size: number;
  /** when the source knows it (a backup does); the writer always computes its own and compares */
  sha256: string | null;
  open(): Promise<Readable>;
}

export interface ExportSource {
  /** the account's address, the archive's top folder */
  address: string;
  folders(): Promise<ExportFolder[]>;
  messages(folder: ExportFolder): AsyncIterable<ExportMessage>;
  close(): Promise<void>;
}
