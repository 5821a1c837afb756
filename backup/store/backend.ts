// Where sealed objects live. The store (store.ts) does the crypto; a backend only keeps named byte
// streams. The local folder is the default; README.md says what an S3-compatible backend would need.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { STORE_SYNC_CONCURRENCY } from '../limits';

export interface ObjectBackend {
  /**
   * Writes a new object from `data`. Its name is known only once the stream has ended (it is the hash of the
   * plaintext), so `nameOf` is asked then. Nothing appears under the final name before the object is
   * complete and durable; an object that already exists is left as it is (`created: false`).
   */
  write(data: Readable, nameOf: () => string): Promise<{ name: string; created: boolean; bytes: number }>;
  /**
   * Writes a new object whose name is known up front, without waiting for it to be durable: it becomes
   * readable and durable under its name only when a later `commit()` returns. `created: false` when an
   * object of that name exists already or is staged (`data` is then not asked for). Staging is the fast path of a backup pass: the
   * durability of a whole index batch is paid for once, in `commit()`.
   */
  stage(name: string, data: () => Promise<Buffer[]>): Promise<{ created: boolean; bytes: number }>;
  /**
   * Makes every object staged so far durable under its final name. It returns only after the commits
   * begun before it have also finished, and fails when any of them failed (their objects may be the
   * caller's). Nothing may record a staged object's name (an index row) before this returned.
   */
  commit(): Promise<void>;
  /** The object's bytes; `null` when there is no object of that name. */
  read(name: string): Promise<Readable | null>;
  exists(name: string): Promise<boolean>;
  list(): AsyncIterable<{ name: string; bytes: number }>;
  /** False when it was not there. */
  delete(name: string): Promise<boolean>;
}

const NAME = /^[0-9a-f]{64}$/;

function assertName(name: string): void {
  // names become paths: anything but a hex digest could climb out of the folder
  if (!NAME.test(name)) throw new Error(`bad object name ${JSON.stringify(name)}`);
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await fs.promises.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The folders whose entries changed when `mkdir -p dir` created `first` and everything below it: the parent
 * of each new folder. Each must be synced for the new folders to survive a crash.
 */
function newParents(dir: string, first: string | undefined): string[] {
  const out: string[] = [];
  if (first) for (let d = dir; d.length >= first.length; d = path.dirname(d)) out.push(path.dirname(d));
  return out;
}

interface Staged {
  name: string;
  tmp: string;
  fh: fs.promises.FileHandle;
}

/**
 * A folder per tenant: `objects/ab/cd/<sha256>` and `tmp/` for objects being written. A write goes to
 * tmp/, is fsynced, renamed under its final name (atomic on one file system) and the folder fsynced, so a
 * killed worker leaves at most a stray temp file, never a half object under a real name.
 *
 * Staged objects keep that invariant, batched: `stage` writes tmp/ without any fsync and keeps the file
 * open; `commit` fsyncs every staged file, only then renames each under its final name, and then fsyncs
 * each folder that got a new name (and the parent of each folder it created) once. An object therefore
 * never appears under its final name before its bytes are durable, and because the pass commits the
 * index batch only after `commit()` returned, a crash can never leave an index row pointing at a body
 * that is not durable: at worst it leaves temp files and bodies nothing names yet (garbage collection
 * removes those).
 */
export class LocalFolderBackend implements ObjectBackend {
  private readonly objects: string;
  private readonly tmp: string;
  private staged: Staged[] = [];
  /** names staged (or being staged) and not yet committed */
  private readonly stagedNames = new Map<string, Promise<boolean>>();
  private lastCommit: Promise<void> = Promise.resolve();
  private stagingReady: Promise<void> | undefined;

  private readonly staging: string;

  /**
   * `stagingArea` names who stages through this instance (a backup pass: its account, whose lease it
   * holds). Staged files go to `tmp/staged-<area>/`, and the first `stage` of an instance removes what a
   * killed writer of the same area left there: no one else writes into it meanwhile.
   */
  constructor(
    readonly root: string,
    opts: { stagingArea?: string } = {},
  ) {
    this.objects = path.join(root, 'objects');
    this.tmp = path.join(root, 'tmp');
    const area = opts.stagingArea;
    if (area !== undefined && !/^[0-9a-f-]{36}$/i.test(area)) throw new Error(`bad staging area ${JSON.stringify(area)}`);
    this.staging = area ? path.join(this.tmp, `staged-${area}`) : this.tmp;
  }

  private pathOf(name: string): string {
    assertName(name);
    return path.join(this.objects, name.slice(0, 2), name.slice(2, 4), name);
  }

  async write(data: Readable, nameOf: () => string): Promise<{ name: string; created: boolean; bytes: number }> {
    await fs.promises.mkdir(this.tmp, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.tmp, `${randomUUID()}.tmp`);
    try {
      const out = fs.createWriteStream(tmp, { mode: 0o600, flush: true });
      await pipeline(data, out);
      const bytes = out.bytesWritten;
      const name = nameOf();
      const final = this.pathOf(name);
      if (await this.existsAt(final)) {
        await fs.promises.rm(tmp, { force: true });
        return { name, created: false, bytes };
      }
      const dir = path.dirname(final);
      const first = await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmp, final);
      await fsyncPath(dir);
      for (const d of newParents(dir, first)) await fsyncPath(d);
      return { name, created: true, bytes };
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  async stage(name: string, produce: () => Promise<Buffer[]>): Promise<{ created: boolean; bytes: number }> {
    const final = this.pathOf(name);
    const inFlight = this.stagedNames.get(name);
    if (inFlight) {
      // the same body staged by another put: once that is staged, a commit covers both
      if (!(await inFlight)) throw new Error(`object ${name} could not be staged`);
      return { created: false, bytes: 0 };
    }
    // claimed before the first await: two puts of one body at once stage it once
    const staging = this.stageNew(name, final, produce);
    this.stagedNames.set(
      name,
      staging.then(
        () => true,
        () => false,
      ),
    );
    try {
      const out = await staging;
      if (!out.created) this.stagedNames.delete(name);
      return out;
    } catch (e) {
      this.stagedNames.delete(name);
      throw e;
    }
  }

  private async stageNew(name: string, final: string, produce: () => Promise<Buffer[]>): Promise<{ created: boolean; bytes: number }> {
    if (await this.existsAt(final)) return { created: false, bytes: 0 };
    const data = await produce();
    // once per instance, shared by the puts that start at once
    this.stagingReady ??= (async () => {
      if (this.staging !== this.tmp) await fs.promises.rm(this.staging, { recursive: true, force: true });
      await fs.promises.mkdir(this.staging, { recursive: true, mode: 0o700 });
    })();
    await this.stagingReady;
    const tmp = path.join(this.staging, `${randomUUID()}.tmp`);
    let fh: fs.promises.FileHandle | undefined;
    try {
      fh = await fs.promises.open(tmp, 'w', 0o600);
      const { bytesWritten } = await fh.writev(data);
      const bytes = data.reduce((n, b) => n + b.length, 0);
      if (bytesWritten !== bytes) throw new Error(`short write of ${tmp}: ${bytesWritten} of ${bytes} bytes`);
      this.staged.push({ name, tmp, fh });
      return { created: true, bytes };
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  commit(): Promise<void> {
    const batch = this.staged.splice(0);
    const prev = this.lastCommit;
    const mine = this.commitBatch(batch);
    this.lastCommit = Promise.all([prev, mine]).then(() => undefined);
    return this.lastCommit;
  }

  private async commitBatch(batch: Staged[]): Promise<void> {
    if (!batch.length) return;
    const limit = pLimit(STORE_SYNC_CONCURRENCY);
    try {
      // 1. the bytes of every staged file
      await Promise.all(batch.map((s) => limit(() => s.fh.sync())));
    } finally {
      await Promise.all(batch.map((s) => s.fh.close().catch(() => undefined)));
    }
    // 2. the names, each only after its bytes are durable
    const dirs = new Set<string>();
    const made = new Set<string>();
    await Promise.all(
      batch.map((s) =>
        limit(async () => {
          const final = this.pathOf(s.name);
          const dir = path.dirname(final);
          if (await this.existsAt(final)) {
            // written meanwhile by another writer of the tenant: the same bytes, already durable
            await fs.promises.rm(s.tmp, { force: true });
          } else {
            const first = await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
            for (const d of newParents(dir, first)) made.add(d);
            await fs.promises.rename(s.tmp, final);
            dirs.add(dir);
          }
          this.stagedNames.delete(s.name);
        }),
      ),
    );
    // 3. the folders holding the new names: once each per batch
    await Promise.all([...new Set([...dirs, ...made])].map((d) => limit(() => fsyncPath(d))));
  }

  private async existsAt(p: string): Promise<boolean> {
    try {
      await fs.promises.access(p);
      return true;
    } catch {
      return false;
    }
  }

  async read(name: string): Promise<Readable | null> {
    const p = this.pathOf(name);
    try {
      const fh = await fs.promises.open(p, 'r');
      return fh.createReadStream();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  exists(name: string): Promise<boolean> {
    return this.existsAt(this.pathOf(name));
  }

  async *list(): AsyncIterable<{ name: string; bytes: number }> {
    const dirs = async (p: string): Promise<string[]> => {
      try {
        return (await fs.promises.readdir(p)).sort();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    };
    for (const a of await dirs(this.objects)) {
      for (const b of await dirs(path.join(this.objects, a))) {
        for (const name of await dirs(path.join(this.objects, a, b))) {
          if (!NAME.test(name)) continue;
          const st = await fs.promises.stat(path.join(this.objects, a, b, name));
          yield { name, bytes: st.size };
        }
      }
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      await fs.promises.unlink(this.pathOf(name));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}
