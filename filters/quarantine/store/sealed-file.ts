import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../platform/errors';
import { keyId } from '../../../platform/secrets';

/**
 * Quarantined messages at rest: one file per message, AES-256-GCM with the platform key (the cipher of
 * platform/secrets.ts, streamed, so a 50 MB message never sits in memory):
 *
 *   "PWQ1" | key id (8 hex chars, as secrets.ts) | IV (12 bytes) | ciphertext | GCM tag (16 bytes)
 *
 * The additional authenticated data is the quarantine id, so a file renamed onto another row does not
 * open. Files are written as spool files are: a temporary file (0600), fsync, rename, fsync of the folder.
 * Readers get plaintext as a stream whose last chunk comes only after the tag checked out; it errors
 * otherwise, so a consumer must act on the plaintext only once the stream ended without error.
 */
const MAGIC = Buffer.from('PWQ1', 'ascii');
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + IV_BYTES;

const aadOf = (id: string) => Buffer.from(`quarantine:${id}`, 'utf8');

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `source` sealed to `dest`, durably; returns the key id used. Nothing is left at `dest` on failure. */
export async function sealToFile(key: Buffer, source: Readable, dest: string, id: string): Promise<{ keyId: string; sealedBytes: number }> {
  const dir = path.dirname(dest);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  const iv = randomBytes(IV_BYTES);
  const kid = keyId(key);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(id));
  const fh = await fs.promises.open(tmp, 'wx', 0o600);
  let sealedBytes = 0;
  try {
    const write = async (b: Buffer) => {
      if (!b.length) return;
      await fh.write(b);
      sealedBytes += b.length;
    };
    await write(Buffer.concat([MAGIC, Buffer.from(kid, 'ascii'), iv]));
    for await (const chunk of source) await write(cipher.update(chunk as Buffer));
    await write(cipher.final());
    await write(cipher.getAuthTag());
    await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, dest);
    await fsyncDir(dir);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  return { keyId: kid, sealedBytes };
}

/** The plaintext of a sealed file as a stream (see above: trust it only once it ended cleanly). */
export async function openSealedFile(key: Buffer, file: string, id: string): Promise<Readable> {
  const broken = (why: string) => new AppError('internal', `quarantined message ${id} cannot be opened: ${why}`);
  const fh = await fs.promises.open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? broken('its file is missing') : e;
  });
  let header: Buffer;
  let tag: Buffer;
  let size: number;
  try {
    size = (await fh.stat()).size;
    if (size < HEADER_BYTES + TAG_BYTES) throw broken('the file is truncated');
    header = Buffer.alloc(HEADER_BYTES);
    await fh.read(header, 0, HEADER_BYTES, 0);
    tag = Buffer.alloc(TAG_BYTES);
    await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await fh.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw broken('not a quarantine file');
  const kid = header.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES).toString('ascii');
  if (kid !== keyId(key)) throw broken(`sealed with key ${kid}, which this process does not have (POSTWERK_SECRET_KEY changed?)`);
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length + KEY_ID_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aadOf(id));
  decipher.setAuthTag(tag);
  // A Transform of our own rather than the Decipher itself: a failed tag check becomes a clear error.
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, decipher.update(chunk));
    },
    flush(cb) {
      try {
        cb(null, decipher.final());
      } catch {
        cb(broken('authentication failed (file altered or not this message)'));
      }
    },
  });
  if (size - TAG_BYTES > HEADER_BYTES) {
    const body = fs.createReadStream(file, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 });
    body.on('error', (e) => out.destroy(e));
    body.pipe(out);
  } else {
    out.end();
  }
  return out;
}

/** The whole plaintext, authenticated (small messages: previews). */
export async function readSealedFile(key: Buffer, file: string, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await openSealedFile(key, file, id)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Decrypts to a plain temporary file (0600) and returns its path once authenticated; the caller removes it. */
export async function unsealToFile(key: Buffer, file: string, id: string, dest: string): Promise<void> {
  try {
    await pipeline(await openSealedFile(key, file, id), fs.createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
  } catch (e) {
    await fs.promises.rm(dest, { force: true });
    throw e;
  }
}
