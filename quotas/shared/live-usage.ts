import type { DoveadmClient } from '../../platform/mail/doveadm';
import { LIVE_USAGE_MAX_ENTRIES, LIVE_USAGE_TTL_MS } from '../limits';
import { readUsage } from './dovecot-usage';

interface Entry {
  readAt: number;
  used: Promise<number>;
  /** bytes accepted for the account since Dovecot's figure was read */
  added: number;
}

/**
 * Live usage for a stream of RCPT questions (one per ingress process): Dovecot's figure, read at most
 * once per `ttlMs` per account, with concurrent questions sharing one read, plus the bytes the ingress
 * accepted for the account since (`accepted`), so a burst to one mailbox does not slip under its limit
 * on a stale figure. A failed read is not kept: the next question asks again.
 */
export class LiveUsage {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly doveadm: DoveadmClient,
    private readonly ttlMs = LIVE_USAGE_TTL_MS,
    private readonly maxEntries = LIVE_USAGE_MAX_ENTRIES,
  ) {}

  async usedBytes(address: string): Promise<number> {
    const now = Date.now();
    let e = this.entries.get(address);
    if (!e || now - e.readAt > this.ttlMs) {
      const entry: Entry = { readAt: now, used: readUsage(this.doveadm, address).then((u) => u.usedBytes), added: 0 };
      entry.used.catch(() => {
        if (this.entries.get(address) === entry) this.entries.delete(address);
      });
      this.entries.delete(address);
      this.entries.set(address, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      e = entry;
    }
    const used = await e.used;
    return used + e.added;
  }

  /** A message of `bytes` was accepted for the account: counted until Dovecot's figure is read again. */
  accepted(address: string, bytes: number): void {
    const e = this.entries.get(address);
    if (e) e.added += Math.max(0, bytes);
  }
}
