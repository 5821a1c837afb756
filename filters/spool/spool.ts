import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SpamVerdict, SpooledMessage } from '../verdicts';

/**
 * The spool: the durable store of accepted mail, and the truth about it. Layout under the spool folder:
 *   tmp/     messages being received (a DATA in progress); never read by the pipeline
 *   queue/   <id>.json (envelope and targets) and <id>.eml (the message exactly as received)
 *   failed/  messages with a target that failed for good, kept for an operator
 *
 * Commit protocol (durable before 250): the message is written to tmp/<id>.eml and fsynced, the
 * envelope to tmp/<id>.json and fsynced; the envelope is renamed into queue/ first, then the message,
 * and queue/ itself is fsynced (one fsync shared by the commits that end at the same time). The .eml in queue/ is the commit point: a crash before it leaves at most
 * an envelope without a message (removed by the sweep: that message was never acknowledged), a crash
 * after it a complete message that the sweep enqueues again.
 */
export interface SpoolTarget {
  recipient: string;
  accountId: string;
  tenantId: string;
  address: string;
}

/** The sidecar: SpooledMessage minus the path, plus the delivery targets resolved at RCPT. */
export interface SpoolEnvelope extends Omit<SpooledMessage, 'path'> {
  messageId: string | null;
  targets: SpoolTarget[];
  /** the spam scan before the DATA reply (screenAtData), kept in the sidecar so the worker scores once */
  inlineSpam?: { verdict: Extract<SpamVerdict, { kind: 'scored' }>; ms: number };
  /** how long MAIL FROM was held back by inflow pacing (smtp/inflow.ts), when it was */
  pacedMs?: number;
  /** a submitted message (the outbound spool, filters/outbound): who sent it, and a hold decided at DATA */
  submission?: {
    accountId: string;
    tenantId: string;
    username: string;
    hold?: { reason: 'rate_limit' | 'suspended'; detail: string };
  };
}

export class SpoolSizeExceeded extends Error {
  constructor(readonly limit: number) {
    super(`message exceeds the limit of ${limit} bytes`);
  }
}

/** Headers are searched for Message-ID in at most this many bytes (a header block larger than this is odd). */
const MESSAGE_ID_SCAN_BYTES = 256 * 1024;

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Group commit of a folder's entries: sync() resolves once an fsync of the folder that started after
 * the call has finished. Concurrent commits (twenty sessions ending DATA at once) share one fsync
 * instead of queueing twenty of them, as a database shares its log flush.
 */
class DirSync {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (!this.running) return this.start();
    // the running fsync may have started before our rename: wait for the one after it
    this.next ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  private start(): Promise<void> {
    this.next = null;
    const run = fsyncDir(this.dir).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}

/** Received bytes are written in pieces of about this size (the SMTP stream's chunks are a few KiB). */
const WRITE_BATCH_BYTES = 256 * 1024;

async function writeFileDurably(file: string, data: string): Promise<void> {
  const fh = await fsp.open(file, 'wx', 0o640);
  try {
    await fh.writeFile(data);
    // data and size; the name is made durable by the folder's fsync
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Counts bytes, stops writing past the limit (the rest is drained, not stored) and finds the Message-ID. */
class Meter extends Transform {
  bytes = 0;
  exceeded = false;
  private head: Buffer[] = [];
  private headBytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    if (this.headBytes < MESSAGE_ID_SCAN_BYTES) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
    }
    if (this.bytes > this.limit) {
      this.exceeded = true;
      return cb();
    }
    cb(null, chunk);
  }
  messageId(): string | null {
    const text = Buffer.concat(this.head).subarray(0, MESSAGE_ID_SCAN_BYTES).toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    const headers = end >= 0 ? text.slice(0, end) : text;
    const m = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(headers);
    return m ? m[1]!.replace(/\s+/g, ' ').trim().slice(0, 998) || null : null;
  }
}

export class Spool {
  readonly tmpDir: string;
  readonly queueDir: string;
  readonly failedDir: string;
  private readonly queueDirSync: DirSync;

  constructor(readonly dir: string) {
    this.tmpDir = path.join(dir, 'tmp');
    this.queueDir = path.join(dir, 'queue');
    this.failedDir = path.join(dir, 'failed');
    this.queueDirSync = new DirSync(this.queueDir);
  }

  async init(): Promise<void> {
    for (const d of [this.dir, this.tmpDir, this.queueDir, this.failedDir]) await fsp.mkdir(d, { recursive: true, mode: 0o750 });
  }

  messagePath(queueId: string, where: 'queue' | 'failed' = 'queue'): string {
    return path.join(where === 'queue' ? this.queueDir : this.failedDir, `${queueId}.eml`);
  }

  private envelopePath(queueId: string, where: 'queue' | 'failed' = 'queue'): string {
    return path.join(where === 'queue' ? this.queueDir : this.failedDir, `${queueId}.json`);
  }

  /**
   * Receives a message into tmp/ (stream → file, never the whole message in memory). Throws
   * SpoolSizeExceeded past `maxBytes`, or the stream's error (client gone); either way nothing is left.
   * Returns a handle to commit (durable) or discard.
   */
  async receive(
    queueId: string,
    stream: Readable,
    maxBytes: number,
  ): Promise<{
    /** the received file in tmp/ (readable until commit or discard: the scan before the DATA reply reads it) */
    path: string;
    sizeBytes: number;
    messageId: string | null;
    commit(env: SpoolEnvelope): Promise<void>;
    discard(): Promise<void>;
  }> {
    const tmp = path.join(this.tmpDir, `${queueId}.eml`);
    const tmpEnv = path.join(this.tmpDir, `${queueId}.json`);
    const meter = new Meter(maxBytes);
    const discard = async () => {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(tmpEnv, { force: true });
    };
    const fh = await fsp.open(tmp, 'wx', 0o640);
    try {
      await pipeline(stream, meter, async (source: AsyncIterable<Buffer>) => {
        let batch: Buffer[] = [];
        let batched = 0;
        const flush = async () => {
          const { bytesWritten } = await fh.writev(batch);
          if (bytesWritten !== batched) throw new Error(`spool: short write to ${tmp} (${bytesWritten} of ${batched} bytes)`);
          batch = [];
          batched = 0;
        };
        for await (const chunk of source) {
          batch.push(chunk);
          batched += chunk.length;
          if (batched >= WRITE_BATCH_BYTES) await flush();
        }
        if (batch.length) await flush();
      });
      if (meter.exceeded) throw new SpoolSizeExceeded(maxBytes);
      await fh.datasync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await discard();
      throw e;
    }
    await fh.close();
    return {
      path: tmp,
      sizeBytes: meter.bytes,
      messageId: meter.messageId(),
      discard,
      commit: async (env: SpoolEnvelope) => {
        try {
          await writeFileDurably(tmpEnv, JSON.stringify(env));
          await fsp.rename(tmpEnv, this.envelopePath(queueId));
          await fsp.rename(tmp, this.messagePath(queueId));
          await this.queueDirSync.sync();
        } catch (e) {
          await fsp.rm(this.messagePath(queueId), { force: true }).catch(() => undefined);
          await fsp.rm(this.envelopePath(queueId), { force: true }).catch(() => undefined);
          await discard();
          throw e;
        }
      },
    };
  }

  /** The message as the pipeline sees it; null when it is not (or no longer) in the queue folder. */
  async read(queueId: string): Promise<{ message: SpooledMessage; envelope: SpoolEnvelope } | null> {
    let text: string;
    try {
      await fsp.access(this.messagePath(queueId));
      text = await fsp.readFile(this.envelopePath(queueId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const envelope = JSON.parse(text) as SpoolEnvelope;
    const { messageId: _m, targets: _t, ...rest } = envelope;
    return { envelope, message: { ...rest, path: this.messagePath(queueId) } };
  }

  openMessage(queueId: string): fs.ReadStream {
    return fs.createReadStream(this.messagePath(queueId), { highWaterMark: 64 * 1024 });
  }

  /** Committed messages (an .eml in queue/); removes envelopes whose message never arrived. */
  async list(): Promise<string[]> {
    const names = await fsp.readdir(this.queueDir);
    const eml = new Set(names.filter((n) => n.endsWith('.eml')).map((n) => n.slice(0, -4)));
    for (const n of names) {
      if (n.endsWith('.json') && !eml.has(n.slice(0, -5))) {
        // a crash between the two renames: that message was never acknowledged
        const stat = await fsp.stat(path.join(this.queueDir, n)).catch(() => null);
        if (stat && Date.now() - stat.mtimeMs > 60_000) await fsp.rm(path.join(this.queueDir, n), { force: true });
      }
    }
    return [...eml].sort();
  }

  /** Every target final: the message leaves the spool (message first, so a crash leaves no half). */
  async remove(queueId: string): Promise<void> {
    await fsp.rm(this.messagePath(queueId), { force: true });
    await fsp.rm(this.envelopePath(queueId), { force: true });
  }

  /** Every target final and one failed: kept in failed/ for an operator, out of the sweep's way. */
  async moveToFailed(queueId: string): Promise<void> {
    await fsp.rename(this.envelopePath(queueId), this.envelopePath(queueId, 'failed')).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
    await fsp.rename(this.messagePath(queueId), this.messagePath(queueId, 'failed')).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
    await fsyncDir(this.failedDir);
  }

  /** Temp files of DATA that a crash interrupted (never acknowledged); older than maxAgeMs. */
  async sweepTmp(maxAgeMs: number): Promise<number> {
    let removed = 0;
    for (const n of await fsp.readdir(this.tmpDir)) {
      const p = path.join(this.tmpDir, n);
      const stat = await fsp.stat(p).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > maxAgeMs) {
        await fsp.rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
