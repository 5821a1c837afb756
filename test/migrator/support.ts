// Helpers of the migrator integration tests: endpoints of the real servers, destination
// accounts (through the system of record when the platform stack runs), a test corpus and a
// reader that snapshots a whole mailbox for byte-level comparison.
import { createHash, randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import type { EndpointInput } from '../../migrator/options';

export const silentLogger = pino({ level: process.env.POSTWERK_TEST_LOG ?? 'silent' });

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the migrator integration tests need the running stack (stack/stack.sh up)`);
  return v;
}

export function uniqUser(prefix = 'mig'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}@source.test`;
}

export function sourceEndpoint(user: string, opts: { master?: boolean; port?: number } = {}): EndpointInput {
  const base = {
    host: env('POSTWERK_SOURCE_IMAP_HOST'),
    port: opts.port ?? Number(env('POSTWERK_SOURCE_IMAP_PORT')),
    security: 'plain' as const,
    user,
  };
  return opts.master
    ? { ...base, authUser: env('POSTWERK_SOURCE_MASTER_USER'), password: env('POSTWERK_SOURCE_MASTER_PASSWORD') }
    : { ...base, password: env('POSTWERK_SOURCE_IMAP_PASSWORD') };
}

export interface DestAccount {
  address: string;
  password: string;
}

let dbHandle: { destroy(): Promise<void> } | undefined;

/** A fresh destination mailbox: a row in the system of record, or any name on a lab server. */
export async function createDestinationAccount(quotaBytes = 4 * 1024 ** 3): Promise<DestAccount> {
  if (process.env.MLAB_DEST_PASSWORD)
    return { address: uniqUser('dst').replace('source.test', 'dest.test'), password: process.env.MLAB_DEST_PASSWORD };
  const { testDb } = await import('../support/env');
  const { createTestAccount } = await import('../support/fixtures');
  const db = testDb();
  dbHandle = db as unknown as { destroy(): Promise<void> };
  try {
    const acc = await createTestAccount(db, { quotaBytes });
    return { address: acc.address, password: acc.password };
  } finally {
    await db.destroy();
  }
}

export async function releaseDb(): Promise<void> {
  await dbHandle?.destroy().catch(() => undefined);
}

export function destEndpoint(acc: DestAccount, opts: { master?: boolean } = {}): EndpointInput {
  const base = { host: env('POSTWERK_IMAP_HOST'), port: Number(env('POSTWERK_IMAP_PORT')), security: 'plain' as const, user: acc.address };
  return opts.master
    ? { ...base, authUser: env('POSTWERK_MASTER_USER'), password: env('POSTWERK_MASTER_PASSWORD'), masterStyle: 'separator' as const }
    : { ...base, password: acc.password };
}

export async function connect(ep: EndpointInput): Promise<ImapFlow> {
  const user = ep.authUser && ep.masterStyle === 'separator' ? `${ep.user}*${ep.authUser}` : ep.user;
  const c = new ImapFlow({
    host: ep.host,
    port: ep.port,
    secure: false,
    doSTARTTLS: false,
    auth:
      ep.authUser && ep.masterStyle !== 'separator'
        ? { user: ep.authUser, pass: ep.password!, authzid: ep.user }
        : { user, pass: ep.password! },
    logger: false,
    disableAutoIdle: true,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  await c.connect();
  return c;
}

// ---------------------------------------------------------------- corpus

export interface CorpusMessage {
  folder: string[]; // path segments
  raw: Buffer;
  flags: string[];
  date: Date;
}

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

let seq = 0;
export function textMessage(subject: string, opts: { messageId?: string | null; body?: string; date?: Date } = {}): Buffer {
  const id = opts.messageId === undefined ? `<m${Date.now()}.${seq++}.${randomBytes(4).toString('hex')}@corpus.test>` : opts.messageId;
  return crlf(
    `From: Sender <sender@corpus.test>\nTo: rcpt@corpus.test\nSubject: ${subject}\nDate: ${(opts.date ?? new Date('2020-01-02T03:04:05Z')).toUTCString()}\n` +
      (id ? `Message-ID: ${id}\n` : '') +
      `MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n${opts.body ?? `Body of ${subject}\n`}`,
  );
}

/** A message of about `size` bytes: base64 attachment, streamed size class. */
export function bigMessage(subject: string, size: number): Buffer {
  const head = crlf(
    `From: big@corpus.test\nTo: rcpt@corpus.test\nSubject: ${subject}\nMessage-ID: <big.${randomBytes(6).toString('hex')}@corpus.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nsee attachment\n--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="blob.bin"\n\n`,
  );
  const rawLen = Math.max(0, Math.floor((size - head.length - 20) / 78) * 57);
  const b64 = randomBytes(rawLen).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.concat([head, Buffer.from(b64), crlf('\n--b1--\n')]);
}

/** The corpus of the issue's first test. */
export function issueCorpus(): CorpusMessage[] {
  const old = new Date('1998-03-04T05:06:07Z');
  const dup = '<same-id@corpus.test>';
  const eightBit = Buffer.concat([
    crlf(
      'From: =?UTF-8?Q?J=C3=BCrgen?= <j@corpus.test>\nSubject: 8bit Grüße\nMessage-ID: <8bit@corpus.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n',
    ),
    Buffer.from('Grüße aus Köln, naïve café — 日本語\r\n', 'utf8'),
  ]);
  const binaryBody = Buffer.from(Array.from({ length: 2048 }, (_, i) => 1 + (i % 255)).filter((b) => b !== 10 && b !== 13));
  const binary = Buffer.concat([
    crlf(
      'From: bin@corpus.test\nSubject: binary part\nMessage-ID: <binary@corpus.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: text/plain\n\ntext\n--zz\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n',
    ),
    binaryBody,
    crlf('\n--zz--\n'),
  ]);
  const m = (folder: string[], raw: Buffer, flags: string[] = [], date = new Date('2021-06-07T08:09:10Z')): CorpusMessage => ({
    folder,
    raw,
    flags,
    date,
  });
  return [
    m(['INBOX'], textMessage('hello'), ['\\Seen']),
    m(['INBOX'], textMessage('flagged with keywords'), ['\\Flagged', '$Label1', 'ProjectX']),
    m(['INBOX'], textMessage('ancient', { date: old }), ['\\Seen', '\\Answered'], old),
    m(['INBOX'], textMessage('no message id', { messageId: null }), []),
    m(['INBOX'], textMessage('same id A', { messageId: dup, body: 'first\n' }), ['\\Seen']),
    m(['INBOX'], textMessage('same id B', { messageId: dup, body: 'second\n' }), []),
    m(['INBOX'], eightBit, ['$Forwarded']),
    m(['INBOX'], binary, []),
    m(['INBOX'], bigMessage('thirty megabytes', 30 * 1024 * 1024), ['\\Seen']),
    m(['Sent'], textMessage('sent one'), ['\\Seen']),
    m(['Drafts'], textMessage('a draft'), ['\\Draft']),
    m(['Deleted Items'], textMessage('deleted'), ['\\Seen', '\\Deleted']),
    m(['Junk'], textMessage('spam'), []),
    m(['Projects', 'Alpha'], textMessage('alpha 1'), ['\\Seen']),
    m(['Projects', 'Alpha', 'Deep'], textMessage('deep'), []),
    m(['Projects', 'Beta'], textMessage('beta'), ['Important']),
    m(['Ünïcödé Ordner'], textMessage('umlaut folder'), []),
    m(['Ünïcödé Ordner', 'Приветствия'], textMessage('cyrillic child'), ['\\Seen']),
    m(['日本', '東京 & Co'], textMessage('cjk ampersand'), []),
  ];
}

export const EMPTY_FOLDERS = [['Empty'], ['Projects', 'Empty Child']];

/** Writes the corpus into a (fresh) source mailbox. */
export async function loadCorpus(client: ImapFlow, corpus: readonly CorpusMessage[], emptyFolders: string[][] = []): Promise<void> {
  const created = new Set<string>(['INBOX']);
  const delim = (await client.list()).find((f) => f.delimiter)?.delimiter ?? '.';
  const ensure = async (segs: string[]): Promise<string> => {
    const p = segs.join(delim);
    if (!created.has(p)) {
      await client.mailboxCreate(segs).catch(() => undefined);
      created.add(p);
    }
    return p;
  };
  for (const f of emptyFolders) await ensure(f);
  for (const msg of corpus) {
    const p = msg.folder[0] === 'INBOX' && msg.folder.length === 1 ? 'INBOX' : await ensure(msg.folder);
    await client.append(p, msg.raw, msg.flags, msg.date);
  }
}

export interface SnapshotMessage {
  uid: number;
  sha256: string;
  size: number;
  flags: string[];
  date: number;
}

/** folder (segments joined by "/") → messages, reading every byte. */
export async function snapshot(client: ImapFlow): Promise<Map<string, SnapshotMessage[]>> {
  const out = new Map<string, SnapshotMessage[]>();
  for (const f of await client.list()) {
    if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
    const lock = await client.getMailboxLock(f.path, { readOnly: true });
    try {
      const list: SnapshotMessage[] = [];
      if ((client.mailbox as { exists: number }).exists) {
        for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true }, { uid: true })) {
          list.push({
            uid: m.uid,
            sha256: '',
            size: m.size ?? 0,
            flags: [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort(),
            date: new Date(m.internalDate!).getTime(),
          });
        }
        const small = new Map(list.filter((m) => m.size <= 1024 * 1024).map((m) => [m.uid, m]));
        if (small.size)
          for await (const m of client.fetch([...small.keys()].join(','), { uid: true, source: true }, { uid: true }))
            small.get(m.uid)!.sha256 = sha(m.source!);
        for (const m of list.filter((x) => x.size > 1024 * 1024)) {
          const dl = await client.download(String(m.uid), undefined, { uid: true, chunkSize: 4 * 1024 * 1024 });
          const h = createHash('sha256');
          for await (const c of dl.content!) h.update(c as Buffer);
          m.sha256 = h.digest('hex');
        }
      }
      out.set(f.path.split(f.delimiter).join('/'), list);
    } finally {
      lock.release();
    }
  }
  return out;
}

export function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Many small messages into one folder of the source, fast (MULTIAPPEND over the raw writer). */
export async function bulkLoad(
  ep: EndpointInput,
  folder: string,
  count: number,
  sizeOf: (i: number) => number = () => 2000,
): Promise<void> {
  const { RawImapConnection } = await import('../../migrator/imap/raw-append');
  const { parseEndpoint } = await import('../../migrator/options');
  const { encodeMailboxName } = await import('../../migrator/imap/mailbox-name');
  const w = await RawImapConnection.open(parseEndpoint(ep, 'bulk'));
  try {
    if (folder !== 'INBOX') await w.command(`CREATE "${encodeMailboxName(folder)}"`).catch(() => undefined);
    let batch: Buffer[] = [];
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      await w.append(
        encodeMailboxName(folder),
        batch.map((b, i) => ({
          flags: i % 3 ? ['\\Seen'] : [],
          internalDate: new Date(Date.UTC(2019, i % 12, 1 + (i % 27))),
          size: b.length,
          body: b,
        })),
      );
      batch = [];
    };
    for (let i = 0; i < count; i++) {
      const size = sizeOf(i);
      const body =
        size > 64 * 1024
          ? bigMessage(`bulk ${folder} ${i}`, size)
          : textMessage(`bulk ${folder} ${i}`, { body: `${randomBytes(Math.max(1, Math.floor(size / 2) - 200)).toString('hex')}\n` });
      batch.push(body);
      if (batch.length >= 200 || size > 1024 * 1024) await flush();
    }
    await flush();
  } finally {
    await w.close();
  }
}

/** Counts per folder and duplicate hashes per folder (nothing duplicated?). */
export function duplicates(snap: Map<string, SnapshotMessage[]>): string[] {
  const out: string[] = [];
  for (const [folder, list] of snap) {
    const seen = new Set<string>();
    for (const m of list) {
      if (seen.has(m.sha256)) out.push(`${folder}: ${m.sha256}`);
      seen.add(m.sha256);
    }
  }
  return out;
}

/**
 * The state store the control plane would use: its own database (SQLite or PostgreSQL, as the
 * stack runs) when there is one, else a local SQLite file in memory (lab servers).
 */
export async function platformStateStore(): Promise<{
  store: import('../../migrator/state/store').MigrationStateStore;
  close: () => Promise<void>;
}> {
  if (process.env.MLAB_DEST_PASSWORD) {
    const { openSqliteStateStore } = await import('../../migrator/state/sqlite');
    const st = await openSqliteStateStore(':memory:');
    return { store: st.store, close: st.close };
  }
  const { testDb } = await import('../support/env');
  const { KnexStateStore } = await import('../../migrator/state/knex-store');
  const db = testDb();
  return { store: new KnexStateStore(db), close: () => db.destroy() };
}

/** Opens an IMAP connection for the length of `fn` and logs out afterwards, also when `fn` throws. */
export async function withClient<T>(ep: EndpointInput, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await connect(ep);
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

/**
 * Registers beforeAll/afterAll hooks that open the platform state store for the file's tests and
 * close it (and the shared test DB) afterwards; call it inside a describe block.
 */
export function useStateStore(): () => Awaited<ReturnType<typeof platformStateStore>> {
  let st: Awaited<ReturnType<typeof platformStateStore>> | undefined;
  beforeAll(async () => {
    st = await platformStateStore();
  });
  afterAll(async () => {
    await st?.close();
    await releaseDb();
  });
  return () => {
    if (!st) throw new Error('state store used outside the tests of its describe block');
    return st;
  };
}

/** Sets a destination account's quota in the system of record (platform stack only). */
export async function setDestinationQuota(address: string, bytes: number): Promise<void> {
  const { testDb } = await import('../support/env');
  const db = testDb();
  try {
    await db('accounts').where({ address }).update({ allocation_bytes: bytes });
  } finally {
    await db.destroy();
  }
}

export const onPlatformStack = (): boolean => !process.env.MLAB_DEST_PASSWORD;
