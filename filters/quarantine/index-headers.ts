import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import { MAX_INDEXED_FIELD, MAX_INDEXED_HEADER_BYTES } from './limits';

export interface IndexedHeaders {
  subject: string;
  from: string;
  messageId: string;
}

/** Reads a message's header block only (up to the first empty line, at most MAX_INDEXED_HEADER_BYTES). */
async function readHeaderBlock(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of fs.createReadStream(file, { end: MAX_INDEXED_HEADER_BYTES - 1, highWaterMark: 16 * 1024 })) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    const all = Buffer.concat(chunks, total);
    const end = headerEnd(all);
    if (end !== -1) return all.subarray(0, end);
  }
  return Buffer.concat(chunks, total);
}

function headerEnd(b: Buffer): number {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf === -1) return lf;
  if (lf === -1) return crlf;
  return Math.min(crlf, lf);
}

/** One line of printable text: header values end up in lists and terminals. */
export const oneLine = (s: string, max = MAX_INDEXED_FIELD) =>
  s
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .trim()
    .slice(0, max);

/** Subject, From and Message-ID of a message, decoded (RFC 2047), for the quarantine's index and search. */
export async function indexHeaders(file: string): Promise<IndexedHeaders> {
  const head = await readHeaderBlock(file);
  // mailparser decodes encoded words and folded lines; given only the headers it parses no body.
  const parsed = await simpleParser(Buffer.concat([head, Buffer.from('\r\n\r\n')]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  return {
    subject: oneLine(parsed.subject ?? ''),
    from: oneLine(parsed.from?.text ?? ''),
    messageId: oneLine(parsed.messageId ?? ''),
  };
}
