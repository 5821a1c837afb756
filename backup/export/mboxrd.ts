import { Transform, type TransformCallback } from 'node:stream';

/**
 * mboxrd (the mbox variant of qmail and mutt): every line that matches /^>*From / inside a message gets
 * one more '>' on the way in, and loses one on the way out, so any message survives byte for byte
 * (mboxo quotes only "From " and cannot tell a quoted line from an original ">From ").
 *
 * The message bytes are kept exactly as Dovecot serves them (CRLF line ends included); the From_ line and
 * the blank separator line are the only bytes the format adds.
 */
const FROM = Buffer.from('From ');
const GT = 0x3e;
const LF = 0x0a;

/** The From_ line that opens a message: envelope sender unknown to IMAP, date in asctime form (UTC). */
export function fromLine(internalDate: Date): string {
  const d = internalDate;
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `From MAILER-DAEMON ${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()}\n`;
}

/**
 * Whether the bytes of a line start (from `at`) decide the quoting: 'quote', 'keep', or 'undecided'
 * when the chunk ends before the '>' run and "From " could be told apart.
 */
function decide(buf: Buffer, at: number, final: boolean): 'quote' | 'keep' | 'undecided' {
  let i = at;
  while (i < buf.length && buf[i] === GT) i++;
  for (let k = 0; k < FROM.length; k++) {
    if (i + k >= buf.length) return final ? 'keep' : 'undecided';
    if (buf[i + k] !== FROM[k]) return 'keep';
  }
  return 'quote';
}

/** Quotes a message stream for an mboxrd file. Holds back at most the start of one undecided line. */
export class MboxrdQuote extends Transform {
  private carry: Buffer | null = null;
  private atLineStart = true;
  /** the last byte written, so that the caller knows whether the message ended with a line end */
  lastByte = -1;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.run(this.carry ? Buffer.concat([this.carry, chunk]) : chunk, false);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry) this.run(this.carry, true);
    cb();
  }

  private run(buf: Buffer, final: boolean): void {
    this.carry = null;
    let pos = 0;
    const out: Buffer[] = [];
    while (pos < buf.length) {
      if (this.atLineStart) {
        const d = decide(buf, pos, final);
        if (d === 'undecided') {
          this.carry = buf.subarray(pos);
          break;
        }
        if (d === 'quote') out.push(Buffer.from('>'));
        this.atLineStart = false;
      }
      const nl = buf.indexOf(LF, pos);
      const end = nl === -1 ? buf.length : nl + 1;
      out.push(buf.subarray(pos, end));
      pos = end;
      if (nl !== -1) this.atLineStart = true;
    }
    for (const b of out) {
      if (b.length) {
        this.lastByte = b[b.length - 1]!;
        this.push(b);
      }
    }
  }
}

/** The reverse, for readers of our exports (tests, importers): one '>' less on every /^>+From / line. */
export function unquoteMboxrd(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < message.length) {
    const nl = message.indexOf(LF, pos);
    const end = nl === -1 ? message.length : nl + 1;
    const line = message.subarray(pos, end);
    parts.push(line[0] === GT && decide(line, 0, true) === 'quote' ? line.subarray(1) : line);
    pos = end;
  }
  return Buffer.concat(parts);
}

/**
 * Splits an mboxrd file (as a Buffer: for tests and small files) into its messages, unquoted, with the
 * separator line that the writer added removed.
 */
export function splitMboxrd(file: Buffer): Array<{ fromLine: string; message: Buffer }> {
  const out: Array<{ fromLine: string; message: Buffer }> = [];
  const starts: number[] = [];
  let pos = 0;
  while (pos < file.length) {
    if (file.subarray(pos, pos + FROM.length).equals(FROM)) starts.push(pos);
    const nl = file.indexOf(LF, pos);
    if (nl === -1) break;
    pos = nl + 1;
  }
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = i + 1 < starts.length ? starts[i + 1]! : file.length;
    const nl = file.indexOf(LF, s);
    let body = file.subarray(nl + 1, e);
    // the blank separator line the writer adds after each message
    if (body.length && body[body.length - 1] === LF) body = body.subarray(0, body.length - 1);
    out.push({ fromLine: file.subarray(s, nl).toString('latin1'), message: unquoteMboxrd(body) });
  }
  return out;
}
