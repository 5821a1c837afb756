// A small raw IMAP connection for the destination's write path: APPEND and MULTIAPPEND
// (RFC 3502) with LITERAL+ (RFC 7888), literal8 for bodies holding NUL (RFC 3516), bodies
// streamed from files so a 30 MB message never sits in memory, and APPENDUID (RFC 4315).
// imapflow sends one APPEND per message and takes only Buffers; Dovecot commits a MULTIAPPEND
// as one transaction, which is where most of the speed of a migration comes from.
import net from 'node:net';
import tls from 'node:tls';
import { createReadStream } from 'node:fs';
import { MigratorError } from '../errors';
import { RAW_SOCKET_TIMEOUT_MS } from '../limits';
import type { Endpoint } from '../options';
import { invalidateToken, loginCredentials } from './credentials';
import { expandUidSet } from '../../platform/mail/uidset';

export interface AppendItem {
  flags: readonly string[];
  internalDate?: Date;
  size: number;
  /** The bytes, or a file holding exactly `size` bytes. */
  body: Buffer | { file: string };
  /** The bytes hold NUL: sent as literal8 (RFC 3516) where the destination has BINARY, the only form
   * that may carry NUL (a plain literal may not; Dovecot turns such NULs into 0x80). Found in a Buffer body. */
  hasNul?: boolean;
}

export interface AppendResult {
  uidValidity?: number;
  /** Destination UIDs in the order of the items, when the server sent APPENDUID. */
  uids?: number[];
}

interface Tagged {
  status: 'OK' | 'NO' | 'BAD';
  code?: string;
  text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMAP date-time in UTC: "02-Jan-2006 15:04:05 +0000". */
export function formatInternalDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

export class RawImapConnection {
  capabilities = new Set<string>();
  private socket!: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private tagSeq = 0;
  private pending = new Map<string, { resolve: (t: Tagged) => void; reject: (e: Error) => void }>();
  private continuation: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private greeting?: { resolve: (line: string) => void; reject: (e: Error) => void };
  private closedError?: Error;
  private literalRemaining = 0;

  private constructor(private readonly ep: Endpoint) {}

  static async open(ep: Endpoint): Promise<RawImapConnection> {
    const c = new RawImapConnection(ep);
    try {
      await c.connect();
      return c;
    } catch (err) {
      c.socket?.destroy();
      // an XOAUTH2 token may have expired before its cache time: fetch a fresh one, once
      if (!(err instanceof MigratorError && err.code === 'MIGRATOR_AUTH_FAILED' && ep.tokenCommand)) throw err;
      invalidateToken(ep);
      const again = new RawImapConnection(ep);
      await again.connect();
      return again;
    }
  }

  get usable(): boolean {
    return !this.closedError;
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setTimeout(RAW_SOCKET_TIMEOUT_MS);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('timeout', () => socket.destroy(new MigratorError('MIGRATOR_CONNECTION', 'destination connection timed out')));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new MigratorError('MIGRATOR_CONNECTION', 'destination connection closed')));
  }

  private async connect(): Promise<void> {
    const { host, port, security, insecure } = this.ep;
    const greeting = new Promise<string>((resolve, reject) => (this.greeting = { resolve, reject }));
    await new Promise<void>((resolve, reject) => {
      const s =
        security === 'tls'
          ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !insecure }, resolve)
          : net.connect({ host, port }, resolve);
      s.once('error', reject);
      this.attach(s);
    });
    const line = await greeting;
    if (!/^\* (OK|PREAUTH)/i.test(line)) throw new MigratorError('MIGRATOR_CONNECTION', `destination refused the connection: ${line}`);
    this.readCapabilities(line);
    if (!this.capabilities.size) await this.command('CAPABILITY');
    if (security === 'starttls') {
      await this.command('STARTTLS');
      const plain = this.socket;
      plain.removeAllListeners('data');
      plain.removeAllListeners('close');
      plain.removeAllListeners('error');
      plain.removeAllListeners('timeout');
      await new Promise<void>((resolve, reject) => {
        const s = tls.connect({ socket: plain, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !insecure }, resolve);
        s.once('error', reject);
        this.attach(s);
      });
      this.capabilities.clear();
      await this.command('CAPABILITY');
    }
    if (!/PREAUTH/i.test(line)) await this.login();
    if (!this.capabilities.has('IMAP4REV1') && !this.capabilities.has('IMAP4REV2')) await this.command('CAPABILITY');
  }

  private async login(): Promise<void> {
    const cred = await loginCredentials(this.ep);
    let t: Tagged;
    if (cred.accessToken) {
      const ir = Buffer.from(`user=${cred.authcid}\x01auth=Bearer ${cred.accessToken}\x01\x01`).toString('base64');
      t = await this.sasl('XOAUTH2', ir);
    } else if (this.capabilities.has('AUTH=PLAIN') || cred.authzid) {
      const ir = Buffer.from(`${cred.authzid ?? ''}\x00${cred.authcid}\x00${cred.password ?? ''}`).toString('base64');
      t = await this.sasl('PLAIN', ir);
    } else {
      t = await this.raw(`LOGIN ${quoteString(cred.authcid)} ${quoteString(cred.password ?? '')}`, false);
    }
    if (t.status !== 'OK') throw new MigratorError('MIGRATOR_AUTH_FAILED', `destination login failed for ${this.ep.user}: ${t.text}`);
  }

  private async sasl(mech: string, initial: string): Promise<Tagged> {
    if (this.capabilities.has('SASL-IR')) return this.raw(`AUTHENTICATE ${mech} ${initial}`, false);
    const tag = this.nextTag();
    const done = this.waitTagged(tag);
    const cont = this.waitContinuation();
    this.socket.write(`${tag} AUTHENTICATE ${mech}\r\n`);
    await Promise.race([cont, done]);
    this.socket.write(`${initial}\r\n`);
    return done;
  }

  private readCapabilities(line: string): void {
    const m = /\[CAPABILITY ([^\]]+)\]/i.exec(line) ?? /^\* CAPABILITY (.+)$/i.exec(line);
    if (!m) return;
    this.capabilities = new Set(m[1].trim().toUpperCase().split(/\s+/));
  }

  private nextTag(): string {
    return `W${++this.tagSeq}`;
  }

  private waitTagged(tag: string): Promise<Tagged> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.pending.set(tag, { resolve, reject }));
  }

  private waitContinuation(): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.continuation.push({ resolve, reject }));
  }

  private async raw(cmd: string, check = true): Promise<Tagged> {
    const tag = this.nextTag();
    const done = this.waitTagged(tag);
    this.socket.write(`${tag} ${cmd}\r\n`);
    const t = await done;
    if (check && t.status !== 'OK') throw this.commandError(cmd.split(' ')[0], t);
    return t;
  }

  async command(cmd: string): Promise<Tagged> {
    return this.raw(cmd, true);
  }

  private commandError(cmd: string, t: Tagged): MigratorError {
    if (/^(UNAVAILABLE|LIMIT|INUSE|THROTTLED)$/i.test(t.code ?? '') || /throttl|too many|try again/i.test(t.text))
      return new MigratorError('MIGRATOR_THROTTLED', `${cmd}: ${t.text}`, { serverResponseCode: t.code });
    const err = new MigratorError(t.status === 'BAD' ? 'MIGRATOR_PROTOCOL' : 'MIGRATOR_APPEND_FAILED', `${cmd}: ${t.text}`, {
      serverResponseCode: t.code,
    });
    return err;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      if (this.literalRemaining > 0) {
        const take = Math.min(this.literalRemaining, this.buf.length);
        this.buf = this.buf.subarray(take);
        this.literalRemaining -= take;
        if (this.literalRemaining > 0) return;
      }
      const nl = this.buf.indexOf('\n');
      if (nl < 0) return;
      const line = this.buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.buf = this.buf.subarray(nl + 1);
      const lit = /\{(\d+)\}$/.exec(line);
      if (lit) this.literalRemaining = Number(lit[1]); // untagged data we never asked for
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (this.greeting) {
      const g = this.greeting;
      this.greeting = undefined;
      g.resolve(line);
      return;
    }
    if (line.startsWith('+')) {
      this.continuation.shift()?.resolve();
      return;
    }
    if (line.startsWith('* ')) {
      if (/^\* CAPABILITY /i.test(line)) this.readCapabilities(line);
      else if (/^\* BYE/i.test(line)) this.closedError = new MigratorError('MIGRATOR_CONNECTION', `destination said ${line}`);
      return;
    }
    const m = /^(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])?\s*(.*)$/i.exec(line);
    if (!m) return;
    const p = this.pending.get(m[1]);
    if (!p) return;
    this.pending.delete(m[1]);
    const codeText = m[3] ?? '';
    if (/^CAPABILITY /i.test(codeText)) this.readCapabilities(`[${codeText}]`);
    // a NO while we wait to send the next literal ends the command
    if (m[2].toUpperCase() !== 'OK') for (const c of this.continuation.splice(0)) c.reject(new Error('command rejected'));
    p.resolve({ status: m[2].toUpperCase() as Tagged['status'], code: codeText || undefined, text: line.slice(m[1].length + 1) });
  }

  private fail(err: Error): void {
    if (this.closedError && !this.pending.size && !this.continuation.length && !this.greeting) return;
    const e =
      err instanceof MigratorError
        ? err
        : new MigratorError('MIGRATOR_CONNECTION', `destination connection: ${err.message}`, undefined, { cause: err });
    this.closedError = this.closedError ?? e;
    for (const p of this.pending.values()) p.reject(this.closedError);
    this.pending.clear();
    for (const c of this.continuation.splice(0)) c.reject(this.closedError);
    this.greeting?.reject(this.closedError);
    this.greeting = undefined;
  }

  private async write(data: Buffer | string): Promise<void> {
    if (this.closedError) throw this.closedError;
    if (!this.socket.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.socket.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          this.socket.off('drain', onDrain);
          reject(this.closedError ?? new MigratorError('MIGRATOR_CONNECTION', 'destination connection closed'));
        };
        this.socket.once('drain', onDrain);
        this.socket.once('close', onClose);
      });
    }
  }

  private async writeBody(item: AppendItem): Promise<void> {
    if (Buffer.isBuffer(item.body)) return this.write(item.body);
    let written = 0;
    for await (const chunk of createReadStream(item.body.file, { highWaterMark: 256 * 1024 })) {
      written += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (written !== item.size) throw new MigratorError('MIGRATOR_STATE', `spooled message has ${written} bytes, expected ${item.size}`);
  }

  get supportsMultiappend(): boolean {
    return this.capabilities.has('MULTIAPPEND');
  }

  /**
   * APPENDs the items in one command (MULTIAPPEND when more than one: all or nothing).
   * `mailbox` is the already encoded (modified UTF-7) destination name.
   */
  async append(mailbox: string, items: readonly AppendItem[]): Promise<AppendResult> {
    if (!items.length) return {};
    if (items.length > 1 && !this.supportsMultiappend) throw new MigratorError('MIGRATOR_PROTOCOL', 'destination has no MULTIAPPEND');
    const plus = this.capabilities.has('LITERAL+');
    const binary = this.capabilities.has('BINARY');
    const tag = this.nextTag();
    const done = this.waitTagged(tag);
    done.catch(() => undefined); // observed below
    let head = `${tag} APPEND ${quoteString(mailbox)}`;
    try {
      for (const item of items) {
        const flags = item.flags.filter((f) => !/^\\recent$/i.test(f));
        const lit8 = binary && (item.hasNul ?? (Buffer.isBuffer(item.body) && item.body.includes(0)));
        const date = item.internalDate ? ` ${quoteString(formatInternalDate(item.internalDate))}` : '';
        const literal = `${lit8 ? '~' : ''}{${item.size}${plus ? '+' : ''}}`;
        await this.write(`${head} (${flags.join(' ')})${date} ${literal}\r\n`);
        if (!plus) await Promise.race([this.waitContinuation(), done.then((t) => Promise.reject(this.commandError('APPEND', t)))]);
        await this.writeBody(item);
        head = '';
      }
      await this.write('\r\n');
    } catch (err) {
      if (this.usable) {
        // the server answered (NO) before we finished: the command is over, report its answer
        const t = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref())]);
        if (t && t.status !== 'OK') throw this.commandError('APPEND', t);
      }
      throw err;
    }
    const t = await done;
    if (t.status !== 'OK') throw this.commandError('APPEND', t);
    const m = /^APPENDUID (\d+) ([\d:,]+)$/i.exec(t.code ?? '');
    if (!m) return {};
    const uids = expandUidSet(m[2]);
    return { uidValidity: Number(m[1]), uids: uids.length === items.length ? uids : undefined };
  }

  async close(): Promise<void> {
    if (!this.closedError) {
      try {
        await Promise.race([this.raw('LOGOUT', false), new Promise((r) => setTimeout(r, 500).unref())]);
      } catch {
        // closing anyway
      }
    }
    this.closedError = this.closedError ?? new MigratorError('MIGRATOR_CONNECTION', 'closed');
    this.socket?.destroy();
  }
}
