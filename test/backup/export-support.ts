import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ImapFlow } from 'imapflow';
import type { Config } from '../../platform/config';
import { masterLogin, platformImapOptions } from '../../platform/mail/imap';

/**
 * Shared by the export, self-service, drill and integrity tests of backup/: a mailbox filled with
 * awkward messages, a digest of a whole mailbox (every folder's SHA-256s, flags and internal dates),
 * and a tar reader.
 */
export async function withImap<T>(config: Config, address: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow(platformImapOptions(config.dovecot, masterLogin(config.dovecot, address)));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

export function sampleMessage(n: number, opts: { subject?: string; body?: string; from?: string } = {}): Buffer {
  return Buffer.from(
    crlf(
      `From: ${opts.from ?? `Sender ${n} <sender${n}@example.org>`}\nTo: someone@example.net\nSubject: ${opts.subject ?? `message ${n}`}\n` +
        `Message-ID: <m${n}.${Date.now()}@example.org>\nDate: Mon, 1 Dec 2025 10:00:00 +0000\n\n${opts.body ?? `body ${n}\n`}`,
    ),
  );
}

export interface Seed {
  folder: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

/** Folders and messages that trip naive exporters: From lines, >From lines, no final line end, UTF-8 folder names, keywords, a 2 MB body. */
export function awkwardMailbox(): Seed[] {
  const big = Buffer.alloc(1_500_000, 7).toString('base64').replace(/.{76}/g, '$&\n');
  const d = (days: number) => new Date(Date.UTC(2025, 5, 1) + days * 86_400_000);
  return [
    { folder: 'INBOX', raw: sampleMessage(1), flags: ['\\Seen'], internalDate: d(1) },
    {
      folder: 'INBOX',
      raw: sampleMessage(2, { body: 'From the desk of X\n>From quoted\n>>From twice\nFromage\n' }),
      flags: [],
      internalDate: d(2),
    },
    {
      folder: 'INBOX',
      raw: Buffer.from(crlf('Subject: no final newline\n\nlast line without end')),
      flags: ['\\Flagged', '$Label1'],
      internalDate: d(3),
    },
    { folder: 'Archive/2024', raw: sampleMessage(4), flags: ['\\Seen', '\\Answered', 'Project'], internalDate: d(4) },
    { folder: 'Archive/2024', raw: sampleMessage(5, { body: `big attachment\n${big}\n` }), flags: ['\\Seen'], internalDate: d(5) },
    { folder: 'Entwürfe', raw: sampleMessage(6, { subject: 'Grüße' }), flags: ['\\Draft'], internalDate: d(6) },
    { folder: 'Sent', raw: sampleMessage(7), flags: ['\\Seen', '$Forwarded'], internalDate: d(7) },
  ];
}

export async function fill(config: Config, address: string, seeds: Seed[]): Promise<void> {
  await withImap(config, address, async (c) => {
    for (const folder of new Set(seeds.map((s) => s.folder))) if (folder !== 'INBOX') await c.mailboxCreate(folder).catch(() => undefined);
    for (const s of seeds) await c.append(s.folder, s.raw, s.flags, s.internalDate);
  });
}

export interface MessageDigest {
  sha256: string;
  flags: string[];
  internalDate: string;
}

/** Every selectable folder with its messages' digests, sorted, so two mailboxes compare with toEqual. */
export async function digestMailbox(
  config: Config,
  address: string,
  opts: { flags?: boolean } = {},
): Promise<Record<string, MessageDigest[]>> {
  return withImap(config, address, async (c) => {
    const out: Record<string, MessageDigest[]> = {};
    for (const f of await c.list()) {
      if (f.flags.has('\\Noselect')) continue;
      const lock = await c.getMailboxLock(f.path, { readOnly: true });
      try {
        const msgs: MessageDigest[] = [];
        if ((c.mailbox && c.mailbox.exists) || 0) {
          for await (const m of c.fetch('1:*', { source: true, flags: true, internalDate: true })) {
            msgs.push({
              sha256: createHash('sha256').update(m.source!).digest('hex'),
              flags: opts.flags === false ? [] : [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort(),
              internalDate: new Date(m.internalDate as Date).toISOString(),
            });
          }
        }
        if (msgs.length) out[f.path] = msgs.sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
      } finally {
        lock.release();
      }
    }
    return out;
  });
}

/** The entries of a tar archive in memory (test archives are small). */
export async function readTar(data: Buffer | Readable): Promise<Map<string, { body: Buffer; mtime?: Date; type: string }>> {
  const extract = tar.extract();
  const entries = new Map<string, { body: Buffer; mtime?: Date; type: string }>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      entries.set(entry.header.name, {
        body: Buffer.concat(chunks),
        ...(entry.header.mtime ? { mtime: entry.header.mtime } : {}),
        type: entry.header.type ?? 'file',
      });
    }
  })();
  (Buffer.isBuffer(data) ? Readable.from([data]) : data).pipe(extract);
  await done;
  return entries;
}

/** Writes archive entries below `dir` (for doveadm import), owned by the mail user so Dovecot may read and index them. */
export function extractTo(entries: Map<string, { body: Buffer; mtime?: Date; type: string }>, dir: string, uid = 5000): void {
  for (const [name, e] of entries) {
    const target = path.join(dir, name);
    if (!target.startsWith(dir + path.sep)) throw new Error(`entry ${name} leaves the folder`);
    if (e.type === 'directory') fs.mkdirSync(target, { recursive: true, mode: 0o755 });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, e.body, { mode: 0o644 });
      if (e.mtime) fs.utimesSync(target, e.mtime, e.mtime);
    }
  }
  chownTree(dir, uid);
}

export function chownTree(dir: string, uid: number): void {
  fs.chownSync(dir, uid, uid);
  if (fs.statSync(dir).isDirectory()) for (const c of fs.readdirSync(dir)) chownTree(path.join(dir, c), uid);
}
