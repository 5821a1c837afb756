import { INFLOW_MAX_DELAY_MS, INFLOW_PAUSE_MS, INFLOW_REFRESH_MS } from '../limits';

export interface InflowOptions {
  /** waiting messages above which new ones are paced; 0 never paces */
  backlog: number;
  pauseMs?: number;
  maxDelayMs?: number;
  refreshMs?: number;
}

/**
 * Inflow pacing, after Postfix's in_flow_delay: when messages arrive faster than the pipeline finishes
 * them, holding each new one back a little (at MAIL FROM) lets the senders' queues hold the excess
 * instead of the spool, so a message accepted is a message about to be delivered and a burst cannot
 * bury the spool in minutes of backlog. The pause ends as soon as the backlog is below the threshold,
 * and after INFLOW_MAX_DELAY_MS in any case: mail is slowed, never refused. A backlog that cannot be
 * read (Redis down) paces nothing.
 */
export class InflowGate {
  private figure = 0;
  private readAt = 0;
  private reading: Promise<void> | null = null;
  private readonly pauseMs: number;
  private readonly maxDelayMs: number;
  private readonly refreshMs: number;

  constructor(
    private readonly readBacklog: () => Promise<number>,
    private readonly opts: InflowOptions,
  ) {
    this.pauseMs = opts.pauseMs ?? INFLOW_PAUSE_MS;
    this.maxDelayMs = opts.maxDelayMs ?? INFLOW_MAX_DELAY_MS;
    this.refreshMs = opts.refreshMs ?? INFLOW_REFRESH_MS;
  }

  /** Waits while the backlog is over the threshold (at most maxDelayMs); answers how long it paused (0: not). */
  async pace(): Promise<number> {
    if (this.opts.backlog <= 0) return 0;
    const started = Date.now();
    let paused = false;
    while ((await this.backlog()) > this.opts.backlog) {
      const left = this.maxDelayMs - (Date.now() - started);
      if (left <= 0) break;
      paused = true;
      await new Promise((r) => setTimeout(r, Math.min(this.pauseMs, left)));
    }
    return paused ? Date.now() - started : 0;
  }

  /** The last figure, read again (once, for every session asking) when older than refreshMs. */
  private async backlog(): Promise<number> {
    if (Date.now() - this.readAt >= this.refreshMs) {
      this.reading ??= this.readBacklog().then(
        (n) => {
          this.figure = n;
          this.readAt = Date.now();
          this.reading = null;
        },
        () => {
          this.figure = 0;
          this.readAt = Date.now();
          this.reading = null;
        },
      );
      await this.reading;
    }
    return this.figure;
  }
}
