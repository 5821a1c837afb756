import net from 'node:net';
import type { Db } from '../../platform/db';
import { createTestTenant } from '../support/fixtures';
import { account, message, send, startPipeline, waitFinal, type Pipeline } from './support';

/**
 * Bad input never crashes the ingress nor loses an acknowledged message: a few hundred raw sessions of
 * malformed MIME, missing headers, bare LF, NUL bytes, 8-bit headers without SMTPUTF8, a 1 MB header
 * line, too many recipients, pipelined garbage, clients gone mid-DATA, messages exactly at and one byte
 * over SIZE. Afterwards the ingress still answers and every 250 reached a final outcome.
 */
const MAX = 200_000;
let p: Pipeline;
let db: Db;
let rcpt = '';

beforeAll(async () => {
  p = await startPipeline({ config: (c) => ({ ...c, smtp: { ...c.smtp, maxMessageBytes: MAX } }) });
  db = p.services.db;
  const tenant = await createTestTenant(db);
  rcpt = (await account(db, { tenant, quotaBytes: 1024 ** 3 })).address;
});
afterAll(async () => p?.close());

/** One raw session: writes the chunks (pipelined), optionally cuts the connection, collects the replies. */
function session(chunks: Array<string | Buffer>, opts: { cut?: boolean; raw?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(p.ingress.port, '127.0.0.1');
    let out = '';
    const done = () => resolve(out);
    s.on('data', (d) => {
      out += d.toString('latin1');
      // the reply to QUIT: the session is over
      if (/(^|\r\n)221 /.test(out)) s.end();
    });
    s.on('error', done);
    s.on('close', done);
    // commands are pipelined; the message follows the 354, as RFC 2920 wants (DATA ends a group)
    const at = opts.raw ? -1 : chunks.indexOf('DATA\r\n');
    const first = at < 0 ? chunks : chunks.slice(0, at + 1);
    const rest = at < 0 ? [] : chunks.slice(at + 1);
    const finish = () => {
      if (opts.cut) setTimeout(() => s.destroy(), 50);
      else setTimeout(() => s.end(), 10_000);
    };
    s.once('data', () => {
      for (const c of first) s.write(c);
      if (!rest.length) return finish();
      const wait = setInterval(() => {
        if (/(^|\r\n)354 /.test(out)) {
          clearInterval(wait);
          for (const c of rest) s.write(c);
          finish();
        } else if (/(^|\r\n)(503|554) [^\r]*\r\n$/.test(out) || s.destroyed) {
          // no recipient was taken: DATA is refused, the rest would be garbage commands
          clearInterval(wait);
          for (const c of rest) s.write(c);
          finish();
        }
      }, 5);
    });
    setTimeout(() => s.destroy(), 20_000);
  });
}

const envelope = (to: string[] = [rcpt]) => [
  'EHLO fuzz.test\r\n',
  'MAIL FROM:<f@fuzz.test>\r\n',
  ...to.map((t) => `RCPT TO:<${t}>\r\n`),
  'DATA\r\n',
];
const exactly = (n: number) => {
  const head = 'Subject: size\r\n\r\n';
  return head + 'a'.repeat(n - head.length - 2) + '\r\n';
};

function cases(): Array<{ name: string; chunks: Array<string | Buffer>; cut?: boolean; raw?: boolean }> {
  const out: Array<{ name: string; chunks: Array<string | Buffer>; cut?: boolean; raw?: boolean }> = [];
  const body = (text: string | Buffer) => [...envelope(), text, '\r\n.\r\nQUIT\r\n'];
  for (let i = 0; i < 20; i++) {
    out.push({ name: 'malformed MIME', chunks: body('Content-Type: multipart/mixed; boundary="x\r\n\r\n--x\r\nbroken--\r\n--y') });
    out.push({ name: 'no headers', chunks: body('just a body, no header at all') });
    out.push({ name: 'bare LF', chunks: body('Subject: lf\nFrom: a@b\n\nline one\nline two\n') });
    out.push({ name: 'NUL bytes', chunks: body(Buffer.from('Subject: nul\r\n\r\nA\u0000B\u0000\u0000C', 'latin1')) });
    out.push({
      name: '8-bit header',
      chunks: body(Buffer.from('Subject: Gr\xfc\xdfe \xe4\xf6\r\nFrom: J\xfcrgen <j@b>\r\n\r\nhallo', 'latin1')),
    });
    out.push({
      name: 'pipelined garbage',
      chunks: [
        'EHLO g\r\n',
        '\u0001\u0002GARBAGE\r\n',
        'MAIL FROM:<<<>>>\r\n',
        'RCPT TO:\r\n',
        'DATA\r\n',
        'x'.repeat(5000) + '\r\n',
        'QUIT\r\n',
      ],
      raw: true,
    });
    out.push({ name: 'gone mid-DATA', chunks: [...envelope(), 'Subject: cut\r\n\r\npartial '.repeat(50)], cut: true });
    out.push({ name: 'gone after RCPT', chunks: envelope().slice(0, 3), cut: true });
    out.push({ name: 'dot stuffing', chunks: body('Subject: dots\r\n\r\n..\r\n.. two\r\n...') });
    out.push({
      name: 'unknown domain + known',
      chunks: body('Subject: mix\r\n\r\nmixed').map((c, j) => (j === 2 ? `RCPT TO:<x@nowhere.example>\r\nRCPT TO:<${rcpt}>\r\n` : c)),
    });
  }
  for (let i = 0; i < 3; i++) {
    out.push({ name: '1 MB header line', chunks: body(`X-Long: ${'h'.repeat(1024 * 1024)}\r\nSubject: long\r\n\r\nbody`) });
    out.push({
      name: '10,000 recipients',
      chunks: [...envelope(Array.from({ length: 10_000 }, (_, k) => `r${k}@nowhere.example`)), 'Subject: many\r\n\r\nx\r\n.\r\nQUIT\r\n'],
    });
    // the message ends with its last CRLF; '.' CRLF closes DATA
    out.push({ name: 'exactly at SIZE', chunks: [...envelope(), exactly(MAX), '.\r\nQUIT\r\n'] });
    out.push({ name: 'one byte over SIZE', chunks: [...envelope(), exactly(MAX + 1), '.\r\nQUIT\r\n'] });
    out.push({ name: 'far over SIZE', chunks: body('Subject: big\r\n\r\n' + 'z'.repeat(MAX * 3)) });
  }
  return out;
}

test('a few hundred bad sessions: the ingress keeps answering and every 250 reaches a final outcome', async () => {
  const all = cases();
  expect(all.length).toBeGreaterThanOrEqual(200);
  const replies: Array<{ name: string; out: string }> = [];
  // 10 at a time: parallel sessions, under the per-client connection limit
  for (let i = 0; i < all.length; i += 10) {
    replies.push(
      ...(await Promise.all(
        all.slice(i, i + 10).map(async (c) => ({ name: c.name, out: await session(c.chunks, { cut: c.cut, raw: c.raw }) })),
      )),
    );
  }
  const byName = (n: string) => replies.filter((r) => r.name === n).map((r) => r.out);
  // exactly at the limit is taken, one byte over is refused with 552
  expect(byName('exactly at SIZE').every((o) => /\r\n250 2\.0\.0 Ok: queued as/.test(o))).toBe(true);
  expect(byName('one byte over SIZE').every((o) => /\r\n552 /.test(o) && !/queued as/.test(o))).toBe(true);
  expect(byName('far over SIZE').every((o) => /\r\n552 /.test(o))).toBe(true);
  expect(byName('10,000 recipients').every((o) => /554 5\.7\.1/.test(o))).toBe(true);
  expect(byName('bare LF').every((o) => /queued as/.test(o))).toBe(true);
  expect(byName('NUL bytes').every((o) => /queued as/.test(o))).toBe(true);
  expect(byName('gone mid-DATA').some((o) => /queued as/.test(o))).toBe(false);

  // the ingress still answers a normal message
  const m = message({ to: rcpt });
  const info = await send(p.ingress.port, { from: 'after@fuzz.test', to: [rcpt] }, m.raw);
  expect(info.response).toMatch(/^250 /);

  // every acknowledged message reached a final outcome; nothing of the cut sessions is left in tmp/
  const acked = replies.flatMap((r) => [...r.out.matchAll(/queued as ([0-9A-Z]+)/g)].map((x) => x[1]!));
  expect(acked.length).toBeGreaterThan(100);
  for (const qid of acked) {
    const targets = await waitFinal(p, qid, 120_000);
    expect(targets.length).toBeGreaterThan(0);
  }
  expect(require('node:fs').readdirSync(p.spool.tmpDir)).toEqual([]);
}, 400_000);
