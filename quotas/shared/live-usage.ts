import type { DoveadmClient } from '../../platform/mail/doveadm';
import { LIVE_USAGE_MAX_ENTRIES, LIVE_USAGE_STALE_MS, LIVE_USAGE_TTL_MS } from '../limits';
import { readUsage } from './dovecot-usage';

interface Entry {
  readAt: number;
  used: Promise<number>;
  /** Dovecot's figure once it has answered */
  settled?: number;
  /** bytes accepted for the account since Dovecot's figure was read */
  added: number;
  /** a newer read under way (started after the ttl): what was accepted since it started */
  refresh?: { startedAt: number; addedSince: number };
}

/**
 * Live usage for a stream of RCPT questions (one per ingress process): Dovecot's figure, read at most
 * once per `ttlMs` per account, with concurrent questions sharing one read, plus the bytes the ingress
 * accepted for the account since (`accepted`), so a burst to one mailbox does not slip under its limit
 * on a stale figure.
 *
 * Past the ttl the figure is read again in the background while questions go on being answered from
 * the last one (plus what was accepted since): a doveadm request forks a process and takes hundreds of
 * milliseconds under load, too long to hold every RCPT of a busy account. Only a figure older than
 * `staleMs` (or none) makes the question wait for Dovecot. A failed read is not kept: the next question
 * asks again.
 */
export class LiveUsage {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly doveadm: DoveadmClient,
    private readonly ttlMs = LIVE_USAGE_TTL_MS,
    private readonly maxEntries = LIVE_USAGE_MAX_ENTRIES,
    private readonly staleMs = LIVE_USAGE_STALE_MS,
  ) {}

  async usedBytes(address: string): Promise<number> {
    const now = Date.now();
    let e = this.entries.get(address);
    if (e && e.settled !== undefined && now - e.readAt > this.ttlMs && now - e.readAt <= this.staleMs) {
      if (!e.refresh) this.refresh(address, e, now);
      return e.settled + e.added;
    }
    if (!e || now - e.readAt > this.ttlMs) e = this.read(address, now);
    const used = await e.used;
    return used + e.added;
  }

  /** A message of `bytes` was accepted for the account: counted until Dovecot's figure is read again. */
  accepted(address: string, bytes: number): void {
    const e = this.entries.get(address);
    if (!e) return;
    e.added += Math.max(0, bytes);
    if (e.refresh) e.refresh.addedSince += Math.max(0, bytes);
  }

  /** A read the caller waits for: it replaces the entry at once. */
  private read(address: string, now: number): Entry {
    const entry: Entry = { readAt: now, used: readUsage(this.doveadm, address).then((u) => u.usedBytes), added: 0 };
    entry.used.then(
      (v) => (entry.settled = v),
      () => {
        if (this.entries.get(address) === entry) this.entries.delete(address);
      },
    );
    this.put(address, entry);
    return entry;
  }

  /** A read in the background: its figure, plus what was accepted while it ran, replaces the entry. */
  private refresh(address: string, old: Entry, now: number): void {
    const refresh = (old.refresh = { startedAt: now, addedSince: 0 });
    readUsage(this.doveadm, address).then(
      (u) => {
        if (this.entries.get(address) !== old) return;
        const used = u.usedBytes;
        this.put(address, { readAt: refresh.startedAt, used: Promise.resolve(used), settled: used, added: refresh.addedSince });
      },
      // keep answering from the old figure; the next question past the ttl tries again
      () => {
        if (old.refresh === refresh) old.refresh = undefined;
      },
    );
  }

  private put(address: string, entry: Entry): void {
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
