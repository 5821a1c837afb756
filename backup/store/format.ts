// The sealed object format of the backup store: a message body compressed (brotli; raw deflate in objects
// written before brotli) and then cut into chunks, each encrypted and authenticated with AES-256-GCM under
// the tenant's data key.
//
//   header (32 bytes): "PWBK" | version 1 | compression 1 = deflate-raw, 2 = brotli | 2 reserved | key id (8) |
//                      nonce prefix (8, random per object) | chunk size (u32) | 4 reserved
//   chunk:             u32 (bit 31 = final chunk, bits 0..30 = ciphertext length) | ciphertext | GCM tag (16)
//
// - nonce = nonce prefix || chunk counter (u32): unique per chunk of an object, and a fresh random prefix
//   per object keeps objects apart under one key;
// - every chunk authenticates the header, its counter and its final flag (AAD), so chunks cannot be
//   reordered, dropped, or moved between objects, and a stream that ends before a final chunk is truncated;
// - the final chunk also authenticates the SHA-256 of the plaintext, i.e. the object's name: a file copied
//   under another name does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../platform/errors';
import { STORE_CHUNK_BYTES } from '../limits';

const MAGIC = Buffer.from('PWBK', 'ascii');
const VERSION = 1;
export const COMPRESSION_DEFLATE_RAW = 1;
export const COMPRESSION_BROTLI = 2;
const COMPRESSIONS = new Set([COMPRESSION_DEFLATE_RAW, COMPRESSION_BROTLI]);
export const HEADER_BYTES = 32;
const TAG_BYTES = 16;
const FINAL_BIT = 0x8000_0000;
const KEY_BYTES = 32;

/** First 8 bytes of sha256(key): names the key an object was sealed with, without revealing it. */
export function dataKeyId(key: Buffer): Buffer {
  return createHash('sha256').update('postwerk-backup-key-id').update(key).digest().subarray(0, 8);
}

/** The store's one failure kind for bodies that are absent, altered, truncated or sealed with another key. */
export function corruptObject(hash: string, why: string): AppError {
  return new AppError('internal', `backup body ${hash} is unreadable: ${why}`, { kind: 'backup_body_corrupt', hash, why });
}

export function isCorruptObject(e: unknown): e is AppError {
  return e instanceof AppError && (e.details as { kind?: string } | undefined)?.kind === 'backup_body_corrupt';
}

function chunkAad(header: Buffer, counter: number, final: boolean, digest: Buffer | null): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(counter, 0);
  tail[4] = final ? 1 : 0;
  return Buffer.concat(final && digest ? [header, tail, digest] : [header, tail]);
}

function nonce(prefix: Buffer, counter: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(counter, 8);
  return n;
}

/**
 * Seals one object chunk by chunk. `digest()` is asked once, for the final chunk, for the plaintext's
 * SHA-256 (the caller has seen every byte by then).
 */
class Sealer {
  readonly header: Buffer;
  private readonly prefix = randomBytes(8);
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    compression: number,
    private readonly digest: () => Buffer,
  ) {
    if (key.length !== KEY_BYTES) throw new AppError('internal', 'backup data key must be 32 bytes');
    this.header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(this.header, 0);
    this.header[4] = VERSION;
    this.header[5] = compression;
    dataKeyId(key).copy(this.header, 8);
    this.prefix.copy(this.header, 16);
    this.header.writeUInt32BE(STORE_CHUNK_BYTES, 24);
  }

  /** length word, ciphertext and tag of the next chunk */
  chunk(plain: Buffer, final: boolean): Buffer[] {
    if (this.counter === 0xffff_ffff) throw new AppError('internal', 'backup object too large for its nonce space');
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.counter), { authTagLength: TAG_BYTES });
    cipher.setAAD(chunkAad(this.header, this.counter, final, final ? this.digest() : null));
    const ct = cipher.update(plain);
    const rest = cipher.final();
    const len = Buffer.alloc(4);
    len.writeUInt32BE((final ? FINAL_BIT : 0) + ct.length + rest.length, 0);
    this.counter++;
    return rest.length ? [len, ct, rest, cipher.getAuthTag()] : [len, ct, cipher.getAuthTag()];
  }
}

/** A whole object at once, for bodies already in memory: the same framing SealStream writes. */
export function sealBuffer(key: Buffer, compression: number, compressed: Buffer, digest: Buffer): Buffer[] {
  const sealer = new Sealer(key, compression, () => digest);
  const out = [sealer.header];
  let at = 0;
  while (compressed.length - at >= STORE_CHUNK_BYTES) {
    out.push(...sealer.chunk(compressed.subarray(at, at + STORE_CHUNK_BYTES), false));
    at += STORE_CHUNK_BYTES;
  }
  out.push(...sealer.chunk(compressed.subarray(at), true));
  return out;
}

/**
 * Encrypts an already compressed stream. `digest()` is asked once at the end for the plaintext's SHA-256
 * (the hashing tap upstream has seen every byte by then).
 */
export class SealStream extends Transform {
  private readonly sealer: Sealer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(key: Buffer, compression: number, digest: () => Buffer) {
    super();
    this.sealer = new Sealer(key, compression, digest);
    this.push(this.sealer.header);
  }

  private sealChunk(plain: Buffer, final: boolean): void {
    this.push(Buffer.concat(this.sealer.chunk(plain, final)));
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.pending.push(data);
      this.pendingBytes += data.length;
      if (this.pendingBytes >= STORE_CHUNK_BYTES) {
        const all = Buffer.concat(this.pending);
        let at = 0;
        while (all.length - at >= STORE_CHUNK_BYTES) {
          this.sealChunk(all.subarray(at, at + STORE_CHUNK_BYTES), false);
          at += STORE_CHUNK_BYTES;
        }
        const rest = all.subarray(at);
        this.pending = rest.length ? [rest] : [];
        this.pendingBytes = rest.length;
      }
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.sealChunk(Buffer.concat(this.pending), true);
      this.pending = [];
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/**
 * Decrypts a sealed object, releasing a chunk's plaintext only after its tag checked out. Ends with an
 * error when the stream stops before the final chunk, continues after it, or any tag fails.
 */
export class OpenStream extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private header: Buffer | null = null;
  private prefix: Buffer | null = null;
  private counter = 0;
  private finished = false;

  constructor(
    private readonly key: Buffer,
    private readonly hash: string,
  ) {
    super();
  }

  private fail(why: string): AppError {
    return corruptObject(this.hash, why);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
      this.drain();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private drain(): void {
    if (!this.header) {
      if (this.buf.length < HEADER_BYTES) return;
      const h = this.buf.subarray(0, HEADER_BYTES);
      if (!h.subarray(0, 4).equals(MAGIC)) throw this.fail('not a backup object (bad magic)');
      if (h[4] !== VERSION || !COMPRESSIONS.has(h[5]!)) throw this.fail(`unknown format version ${h[4]}/${h[5]}`);
      const id = h.subarray(8, 16);
      if (!id.equals(dataKeyId(this.key))) {
        throw new AppError(
          'internal',
          `backup body ${this.hash} was sealed with data key ${id.toString('hex')}, not with the tenant's key ${dataKeyId(this.key).toString('hex')}`,
          { kind: 'backup_wrong_key', hash: this.hash },
        );
      }
      this.header = Buffer.from(h);
      this.prefix = this.header.subarray(16, 24);
      this.buf = this.buf.subarray(HEADER_BYTES);
    }
    while (this.buf.length >= 4) {
      if (this.finished) throw this.fail('data after the final chunk');
      const word = this.buf.readUInt32BE(0);
      const final = (word & FINAL_BIT) !== 0;
      const len = word & ~FINAL_BIT & 0x7fff_ffff;
      if (len > STORE_CHUNK_BYTES + 1024) throw this.fail('chunk length out of bounds');
      if (this.buf.length < 4 + len + TAG_BYTES) return;
      const ct = this.buf.subarray(4, 4 + len);
      const tag = this.buf.subarray(4 + len, 4 + len + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix!, this.counter), { authTagLength: TAG_BYTES });
      decipher.setAAD(chunkAad(this.header!, this.counter, final, final ? Buffer.from(this.hash, 'hex') : null));
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(ct), decipher.final()]);
      } catch {
        throw this.fail(`chunk ${this.counter} failed authentication (altered, or not this object)`);
      }
      this.buf = this.buf.subarray(4 + len + TAG_BYTES);
      this.counter++;
      if (final) this.finished = true;
      if (plain.length) this.push(plain);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.header) return done(this.fail('shorter than its header'));
    if (!this.finished || this.buf.length) return done(this.fail('truncated (no final chunk)'));
    done();
  }
}

/** A pass-through that hashes (SHA-256) and counts what flows through it. */
export class HashTap extends Transform {
  private readonly h = createHash('sha256');
  private result: Buffer | null = null;
  bytes = 0;
  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.h.update(data);
    this.bytes += data.length;
    done(null, data);
  }
  override _flush(done: TransformCallback): void {
    this.result = this.h.digest();
    done();
  }
  digest(): Buffer {
    if (!this.result) throw new Error('HashTap.digest() before the stream ended');
    return this.result;
  }
}
