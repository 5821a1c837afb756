import { fromLine, MboxrdQuote, splitMboxrd, unquoteMboxrd } from './mboxrd';

async function quote(chunks: Buffer[]): Promise<Buffer> {
  const q = new MboxrdQuote();
  const out: Buffer[] = [];
  q.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => q.on('end', r));
  for (const c of chunks) q.write(c);
  q.end();
  await done;
  return Buffer.concat(out);
}

const message = Buffer.from(
  'From: a@b.test\r\nSubject: x\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\nFromage\r\n> From spaced\r\nFrom',
);

describe('mboxrd', () => {
  it('quotes every >*From line and nothing else', async () => {
    const q = await quote([message]);
    expect(q.toString()).toBe(
      'From: a@b.test\r\nSubject: x\r\n\r\n>From the start\r\n>>From quoted\r\n>>>From twice\r\nFromage\r\n> From spaced\r\nFrom',
    );
    expect(unquoteMboxrd(q).equals(message)).toBe(true);
  });

  it('gives the same bytes however the stream is cut', async () => {
    const whole = await quote([message]);
    for (let size = 1; size < 9; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < message.length; i += size) chunks.push(message.subarray(i, i + size));
      expect((await quote(chunks)).equals(whole)).toBe(true);
    }
  });

  it('splits a file back into its messages', async () => {
    const a = Buffer.from('Subject: a\r\n\r\nFrom here\r\n');
    const b = Buffer.from('Subject: b\r\n\r\nbody\r\n');
    const d = new Date(Date.UTC(2026, 11, 2, 5, 6, 7));
    const file = Buffer.concat([
      Buffer.from(fromLine(d)),
      await quote([a]),
      Buffer.from('\n'),
      Buffer.from(fromLine(d)),
      await quote([b]),
      Buffer.from('\n'),
    ]);
    const parts = splitMboxrd(file);
    expect(parts.map((p) => p.message.toString())).toEqual([a.toString(), b.toString()]);
    expect(parts[0]!.fromLine).toBe('From MAILER-DAEMON Wed Dec  2 05:06:07 2026');
  });
});
