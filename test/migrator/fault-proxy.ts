// A TCP proxy in front of a real IMAP server that injects one fault, for the tests that need a
// server misbehaving at a precise moment: drop the connection on the first command matching a
// pattern, truncate the first large literal of an answer, hide a capability and its response code, or
// hold the first command matching a pattern until the test lets it through (a listing as slow as the test needs).
import net from 'node:net';

export interface FaultOptions {
  /** Close both sides when the client first sends a command line matching this (once per proxy). */
  dropOnCommand?: RegExp;
  /** Answer `<tag> NO` to the first command line matching this, without passing it on (once per proxy). */
  refuseCommand?: RegExp;
  /** Shorten the first server literal of at least this many bytes by `truncateBy` bytes (once per proxy). */
  truncateLiteralAtLeast?: number;
  truncateBy?: number;
  /** Remove this capability from every CAPABILITY list the server sends. */
  stripCapability?: string;
  /** Remove this response code (`[APPENDUID 5 3:4] `) from every tagged answer the server sends. */
  stripResponseCode?: string;
  /** Hold back the first command line matching this, and whatever its client sends after it, until
   * releaseHold() (once per proxy): the server sees the command only then. */
  holdCommand?: RegExp;
  /** Start disarmed (the faults fire only after arm()): the state store keys an account by host and
   * port, so a test that needs a clean pass first runs it through the same proxy. */
  armed?: boolean;
}

export interface FaultProxy {
  port: number;
  /** How many times the fault fired. */
  fired: () => number;
  arm: () => void;
  /** Stops the faults (one that has not fired yet never will). */
  disarm: () => void;
  /** Passes the held command (and what followed it) on to the server. */
  releaseHold: () => void;
  close: () => Promise<void>;
}

export async function startFaultProxy(upstream: { host: string; port: number }, opts: FaultOptions): Promise<FaultProxy> {
  let fired = 0;
  let armed = opts.armed !== false;
  let dropped = false;
  let truncated = false;
  let refused = false;
  let holdTaken = false;
  let onRelease: (() => void) | undefined;
  let released = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(up);
    const kill = (): void => {
      client.destroy();
      up.destroy();
    };
    client.on('error', kill).on('close', kill);
    up.on('error', kill).on('close', kill);

    let clientLine = '';
    let heldChunks: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (heldChunks) return void heldChunks.push(chunk);
      if (
        armed &&
        opts.holdCommand &&
        !holdTaken &&
        chunk
          .toString('latin1')
          .split('\r\n')
          .some((l) => opts.holdCommand!.test(l))
      ) {
        holdTaken = true;
        fired++;
        const queue: Buffer[] = (heldChunks = [chunk]);
        onRelease = () => {
          heldChunks = undefined;
          for (const c of queue) up.write(c);
        };
        if (released) onRelease();
        return;
      }
      if (armed && opts.dropOnCommand && !dropped) {
        clientLine = (clientLine + chunk.toString('latin1')).slice(-4096);
        const lines = clientLine.split('\r\n');
        if (lines.some((l) => opts.dropOnCommand!.test(l))) {
          dropped = true;
          fired++;
          return kill();
        }
      }
      if (armed && opts.refuseCommand && !refused) {
        const line = chunk
          .toString('latin1')
          .split('\r\n')
          .find((l) => opts.refuseCommand!.test(l));
        if (line) {
          refused = true;
          fired++;
          client.write(`${line.split(' ')[0]} NO search failed (fault proxy)\r\n`);
          return;
        }
      }
      up.write(chunk);
    });

    // server → client: literals are passed through byte-counted, so that their content is never parsed
    let text = Buffer.alloc(0); // bytes outside a literal not yet passed on
    let literalLeft = 0;
    let dropLeft = 0;
    up.on('data', (chunk: Buffer) => {
      let buf = Buffer.concat([text, chunk]);
      text = Buffer.alloc(0);
      const out: Buffer[] = [];
      while (buf.length) {
        if (literalLeft) {
          const n = Math.min(literalLeft, buf.length);
          out.push(buf.subarray(0, n));
          literalLeft -= n;
          buf = buf.subarray(n);
          continue;
        }
        if (dropLeft) {
          const n = Math.min(dropLeft, buf.length);
          dropLeft -= n;
          buf = buf.subarray(n);
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          text = buf; // wait for the end of the line
          break;
        }
        let line = buf.subarray(0, eol + 2).toString('latin1');
        buf = buf.subarray(eol + 2);
        if (armed && opts.stripCapability && /CAPABILITY/i.test(line)) {
          const re = new RegExp(` ${opts.stripCapability}(?=[ \\]\\r])`, 'gi');
          if (re.test(line)) {
            line = line.replace(re, '');
            fired++;
          }
        }
        if (armed && opts.stripResponseCode && /^[^*+]/.test(line)) {
          const re = new RegExp(`\\[${opts.stripResponseCode}[^\\]]*\\] ?`, 'i');
          if (re.test(line)) {
            line = line.replace(re, '');
            fired++;
          }
        }
        const lit = /\{(\d+)\}\r\n$/.exec(line);
        if (lit) {
          let size = Number(lit[1]);
          if (armed && opts.truncateLiteralAtLeast && !truncated && size >= opts.truncateLiteralAtLeast) {
            truncated = true;
            fired++;
            const by = opts.truncateBy ?? 1000;
            dropLeft = by;
            size -= by;
            line = line.slice(0, lit.index) + `{${size}}\r\n`;
          }
          literalLeft = size;
        }
        out.push(Buffer.from(line, 'latin1'));
      }
      if (out.length) client.write(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    fired: () => fired,
    disarm: () => {
      armed = false;
    },
    arm: () => {
      armed = true;
    },
    releaseHold: () => {
      released = true;
      onRelease?.();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
