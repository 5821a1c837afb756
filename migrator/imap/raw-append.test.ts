// The raw APPEND writer against a scripted fake server on 127.0.0.1: LITERAL+ and synchronizing
// literals, MULTIAPPEND with APPENDUID, a NO in the middle, literal8 for NUL bytes.
import net from 'node:net';
import { RawImapConnection } from './raw-append';
import { parseEndpoint } from '../options';

interface Fake {
  port: number;
  commands: Buffer[];
  close: () => Promise<void>;
}

/** A tiny IMAP server: answers LOGIN/AUTHENTICATE/LOGOUT, reads APPEND literals byte-exact. */
async function fakeServer(caps: string, onAppend: (literals: Buffer[], line: string) => string): Promise<Fake> {
  const commands: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.write(`* OK [CAPABILITY IMAP4rev1 ${caps}] fake ready\r\n`);
    let buf = Buffer.alloc(0);
    let literals: Buffer[] = [];
    let head = '';
    let need = 0;
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (need > 0) {
          if (buf.length < need) return;
          literals.push(buf.subarray(0, need));
          buf = buf.subarray(need);
          need = 0;
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString('latin1');
        buf = buf.subarray(nl + 2);
        commands.push(Buffer.from(line));
        const lit = /~?\{(\d+)(\+?)\}$/.exec(line);
        if (!head) head = line;
        if (lit) {
          need = Number(lit[1]);
          if (!lit[2]) sock.write('+ go ahead\r\n');
          continue;
        }
        const tag = head.split(' ')[0];
        if (/ APPEND /i.test(head)) sock.write(`${tag} ${onAppend(literals, head)}\r\n`);
        else if (/ (LOGIN|AUTHENTICATE) /i.test(head)) sock.write(`${tag} OK [CAPABILITY IMAP4rev1 ${caps}] Logged in\r\n`);
        else if (/ LOGOUT/i.test(head)) sock.end(`* BYE\r\n${tag} OK bye\r\n`);
        else sock.write(`${tag} OK done\r\n`);
        head = '';
        literals = [];
      }
    });
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ep = (port: number) => parseEndpoint({ host: '127.0.0.1', port, security: 'plain', user: 'u@x', password: 'pw' }, 'test');
const msg = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

describe('RawImapConnection', () => {
  it('sends a MULTIAPPEND with LITERAL+ and maps APPENDUID to the items', async () => {
    let got: Buffer[] = [];
    const srv = await fakeServer('AUTH=PLAIN SASL-IR MULTIAPPEND LITERAL+ UIDPLUS', (lits) => {
      got = lits;
      return 'OK [APPENDUID 77 10:12] done';
    });
    const c = await RawImapConnection.open(ep(srv.port));
    try {
      const items = ['a', 'b', 'c'].map((s, i) => ({
        flags: i ? ['\\Seen', '\\Recent'] : [],
        internalDate: new Date('2001-02-03T04:05:06Z'),
        size: msg(s).length,
        body: msg(s),
      }));
      const r = await c.append('Archive/&AOQ-', items);
      expect(r).toEqual({ uidValidity: 77, uids: [10, 11, 12] });
      expect(got.map(String)).toEqual(['a', 'b', 'c'].map((s) => String(msg(s))));
      const line = srv.commands.map(String).find((l) => / APPEND /.test(l))!;
      expect(line).toMatch(/^W\d+ APPEND "Archive\/&AOQ-" \(\) "03-Feb-2001 04:05:06 \+0000" \{\d+\+\}$/);
      expect(srv.commands.map(String)).toContain(` (\\Seen) "03-Feb-2001 04:05:06 +0000" {${msg('b').length}+}`);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('waits for continuations without LITERAL+, and uses LOGIN without AUTH=PLAIN', async () => {
    const srv = await fakeServer('MULTIAPPEND UIDPLUS', () => 'OK [APPENDUID 5 3,4] done');
    const c = await RawImapConnection.open(ep(srv.port));
    try {
      const r = await c.append('INBOX', [
        { flags: [], size: msg('x').length, body: msg('x') },
        { flags: [], size: msg('y').length, body: msg('y') },
      ]);
      expect(r.uids).toEqual([3, 4]);
      expect(srv.commands.map(String).find((l) => / LOGIN /.test(l))).toBe('W1 LOGIN "u@x" "pw"');
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('turns a NO into an APPEND failure with the server response code', async () => {
    const srv = await fakeServer('AUTH=PLAIN SASL-IR LITERAL+', () => 'NO [OVERQUOTA] Quota exceeded');
    const c = await RawImapConnection.open(ep(srv.port));
    try {
      await expect(c.append('INBOX', [{ flags: [], size: 3, body: Buffer.from('a\r\n') }])).rejects.toMatchObject({
        code: 'MIGRATOR_APPEND_FAILED',
        details: { serverResponseCode: 'OVERQUOTA' },
      });
      expect(c.supportsMultiappend).toBe(false);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('sends bodies with NUL bytes as literal8 when the server has BINARY', async () => {
    let got: Buffer[] = [];
    const srv = await fakeServer('AUTH=PLAIN SASL-IR LITERAL+ BINARY', (lits) => {
      got = lits;
      return 'OK done';
    });
    const c = await RawImapConnection.open(ep(srv.port));
    try {
      const body = Buffer.from([0x53, 0x3a, 0x20, 0x00, 0xff, 0x0d, 0x0a]);
      await c.append('INBOX', [{ flags: [], size: body.length, body }]);
      expect(srv.commands.map(String).find((l) => / APPEND /.test(l))).toMatch(/ ~\{7\+\}$/);
      expect(got[0].equals(body)).toBe(true);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('a dropped connection is a retriable connection error', async () => {
    const srv = await fakeServer('AUTH=PLAIN SASL-IR LITERAL+', () => 'OK');
    const c = await RawImapConnection.open(ep(srv.port));
    await srv.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(c.append('INBOX', [{ flags: [], size: 3, body: Buffer.from('a\r\n') }])).rejects.toMatchObject({
      code: 'MIGRATOR_CONNECTION',
    });
    expect(c.usable).toBe(false);
    await c.close();
  });
});
