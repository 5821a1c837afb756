// What a pass hands to its folder workers.
import type { Logger } from 'pino';
import type { Endpoint, MigrationOptions } from '../options';
import type { MigrationStateStore } from '../state/store';
import { MigratorError } from '../errors';

export type ProgressEvent =
  | { kind: 'plan'; phase: 'copy' | 'verify'; folders: number; messages: number; bytes: number }
  | { kind: 'folder'; phase: 'copy' | 'verify'; folder: string; state: 'start' | 'done' | 'retry' | 'failed'; detail?: string }
  | { kind: 'messages'; phase: 'copy' | 'verify'; folder: string; messages: number; bytes: number };

export interface PassContext {
  log: Logger;
  migrationId: string;
  accountKey: string;
  source: Endpoint;
  destination: Endpoint;
  options: MigrationOptions;
  store: MigrationStateStore;
  signal?: AbortSignal;
  emit: (e: ProgressEvent) => void;
  throttle: ByteThrottle;
  tmpDir: string;
  /** Messages read with another length than their RFC822.SIZE: folder/uid → hash of that read. */
  shortReads: Map<string, string>;
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new MigratorError('MIGRATOR_ABORTED', 'migration cancelled');
}

/** Optional bytes-per-second cap on what is read from the source. */
export class ByteThrottle {
  private readonly started = Date.now();
  private bytes = 0;
  constructor(private readonly bytesPerSecond?: number) {}
  async consume(n: number, signal?: AbortSignal): Promise<void> {
    if (!this.bytesPerSecond) return;
    this.bytes += n;
    const due = (this.bytes / this.bytesPerSecond) * 1000 - (Date.now() - this.started);
    if (due > 5) {
      await new Promise((r) => setTimeout(r, due));
      checkAborted(signal);
    }
  }
}
