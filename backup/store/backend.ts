// Where sealed objects live. The store (store.ts) does the crypto; a backend only keeps named byte
// streams. The local folder is the default; README.md says what an S3-compatible backend would need.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

export interface ObjectBackend {
  /**
   * Writes a new object from `data`. Its name is known only once the stream has ended (it is the hash of the
   * plaintext), so `nameOf` is asked then. Nothing appears under the final name before the object is
   * complete and durable; an object that already exists is left as it is (`created: false`).
   */
  write(data: Readable, nameOf: () => string): Promise<{ name: string; created: boolean; bytes: number }>;
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
 * A folder per tenant: `objects/ab/cd/<sha256>` and `tmp/` for objects being written. A write goes to
 * tmp/, is fsynced, renamed under its final name (atomic on one file system) and the folder fsynced, so a
 * killed worker leaves at most a stray temp file, never a half object under a real name.
 */
export class LocalFolderBackend implements ObjectBackend {
  private readonly objects: string;
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.objects = path.join(root, 'objects');
    this.tmp = path.join(root, 'tmp');
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
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmp, final);
      await fsyncPath(dir);
      return { name, created: true, bytes };
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
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
