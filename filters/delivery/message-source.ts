import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';

/** What deliverToMailbox and the relay send: a spool path (streamed) or a stream, with headers put in front. */
export type MessageSource = string | Readable | (() => Readable);

/** Header lines to prepend, folded to one line each and stripped of anything that could end a header. */
export function headerBlock(headers: Record<string, string>): Buffer {
  const lines = Object.entries(headers).map(
    ([k, v]) => `${k.replace(/[^\x21-\x39\x3b-\x7e]/g, '')}: ${String(v).replace(/[\r\n]+/g, ' ')}\r\n`,
  );
  return Buffer.from(lines.join(''), 'utf8');
}

/** A fresh stream of the message with the header block in front (never the whole message in memory). */
export function openWithHeaders(source: MessageSource, headers: Record<string, string> = {}): Readable {
  const body =
    typeof source === 'string'
      ? fs.createReadStream(source, { highWaterMark: 64 * 1024 })
      : typeof source === 'function'
        ? source()
        : source;
  const head = headerBlock(headers);
  if (!head.length) return body;
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  out.write(head);
  body.on('error', (e: Error) => out.destroy(e));
  body.pipe(out);
  return out;
}
