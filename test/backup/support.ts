import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Config } from '../../platform/config';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let seq = 0;
export function rawMessage(subject: string, opts: { bytes?: number; from?: string } = {}): Buffer {
  const body = `Hello,\r\n\r\nthis is ${subject}.\r\n${'x'.repeat(Math.max(0, (opts.bytes ?? 600) - 200))}\r\n`;
  return Buffer.from(
    `From: ${opts.from ?? 'Sender <sender@example.net>'}\r\nTo: someone@example.org\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${Date.now()}.${++seq}.${Math.random().toString(36).slice(2)}@backup.test>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

export async function withMailbox<T>(config: Config, address: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await connectPlatformImap(config.dovecot, masterLogin(config.dovecot, address));
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

export async function ensureFolder(c: ImapFlow, folder: string): Promise<void> {
  const all = await c.list();
  if (!all.some((f) => f.path === folder)) await c.mailboxCreate(folder);
}

export interface LiveMessage {
  uid: number;
  hash: string;
  size: number;
  flags: string[];
  internalDate: string;
  subject: string | undefined;
}

/** What a folder holds now: hash, flags, internal date of every message. */
export async function live(c: ImapFlow, folder: string): Promise<LiveMessage[]> {
  const out: LiveMessage[] = [];
  const lock = await c.getMailboxLock(folder, { readOnly: true });
  try {
    if (!c.mailbox || !Number(c.mailbox.exists)) return out;
    for await (const m of c.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true, envelope: true }, { uid: true })) {
      out.push({
        uid: m.uid,
        hash: sha(m.source!),
        size: m.source!.length,
        flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
        internalDate: new Date(m.internalDate as Date).toISOString(),
        subject: m.envelope?.subject,
      });
    }
    return out;
  } finally {
    lock.release();
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
