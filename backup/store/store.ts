// The backup store of one tenant: message bodies named by the SHA-256 of their plaintext, compressed, sealed
// with the tenant's data key (format.ts) and kept by a backend (backend.ts). Bodies stream in and out; the
// only buffering is one chunk of the sealed format.
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { AppError } from '../../platform/errors';
import type { ObjectBackend } from './backend';
import { HashTap, OpenStream, SealStream, corruptObject, isCorruptObject } from './format';

export interface PutResult {
  hash: string;
  /** plaintext bytes */
  size: number;
  /** bytes on the backend (compressed and sealed) */
  storedBytes: number;
  /** false when the body was already there (stored once per tenant) */
  created: boolean;
}

export interface BodyStore {
  readonly tenantId: string;
  /** Stores a body; its name comes out of it. Storing the same bytes twice keeps one object. */
  put(body: Readable): Promise<PutResult>;
  /**
   * The verified plaintext as a stream. The stream fails (isCorruptObject) when the object is missing,
   * altered, truncated or not this body; bytes of a chunk are released only after it authenticated, and
   * the last bytes only after the whole body hashed to its name.
   */
  get(hash: string): Promise<Readable>;
  /** The whole verified body in memory, refused above `maxBytes` (restores append whole messages). */
  read(hash: string, maxBytes: number): Promise<Buffer>;
  exists(hash: string): Promise<boolean>;
  list(): AsyncIterable<{ hash: string; storedBytes: number }>;
  delete(hash: string): Promise<boolean>;
}

const HASH = /^[0-9a-f]{64}$/;

/** Holds back the last chunk it saw until the total digest is checked, so a wrong body never fully leaves. */
class VerifyTap extends Transform {
  private readonly h = createHash('sha256');
  private held: Buffer | null = null;
  constructor(private readonly hash: string) {
    super();
  }
  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.h.update(data);
    if (this.held) this.push(this.held);
    this.held = data;
    done();
  }
  override _flush(done: TransformCallback): void {
    const got = this.h.digest('hex');
    if (got !== this.hash) return done(corruptObject(this.hash, `content hashes to ${got}`));
    if (this.held) this.push(this.held);
    done();
  }
}

export function createBodyStore(tenantId: string, backend: ObjectBackend, dataKey: Buffer): BodyStore {
  return {
    tenantId,
    async put(body) {
      const tap = new HashTap();
      // stream.pipeline listens for errors on every stage at once (the backend starts reading only after
      // its own setup), and destroys the whole chain when the source fails midway
      const sealed = pipeline(body, tap, zlib.createDeflateRaw({ level: 6 }), new SealStream(dataKey, () => tap.digest()), () => undefined);
      const out = await backend.write(sealed, () => tap.digest().toString('hex'));
      return { hash: out.name, size: tap.bytes, storedBytes: out.bytes, created: out.created };
    },

    async get(hash) {
      if (!HASH.test(hash)) throw new AppError('validation_failed', `bad body hash ${JSON.stringify(hash)}`);
      const raw = await backend.read(hash);
      if (!raw) throw corruptObject(hash, 'missing from the store');
      const open = new OpenStream(dataKey, hash);
      const inflate = zlib.createInflateRaw();
      const verify = new VerifyTap(hash);
      raw.pipe(open).pipe(inflate).pipe(verify);
      raw.once('error', (e) => verify.destroy(e));
      open.once('error', (e) => verify.destroy(e));
      inflate.once('error', (e) => verify.destroy(corruptObject(hash, `does not decompress (${e.message})`)));
      verify.once('close', () => {
        raw.destroy();
        open.destroy();
        inflate.destroy();
      });
      return verify;
    },

    async read(hash, maxBytes) {
      const stream = await this.get(hash);
      const parts: Buffer[] = [];
      let n = 0;
      for await (const part of stream as AsyncIterable<Buffer>) {
        n += part.length;
        if (n > maxBytes) {
          stream.destroy();
          throw new AppError('payload_too_large', `backup body ${hash} is larger than ${maxBytes} bytes`);
        }
        parts.push(part);
      }
      return Buffer.concat(parts);
    },

    exists: (hash) => backend.exists(hash),

    async *list() {
      for await (const o of backend.list()) yield { hash: o.name, storedBytes: o.bytes };
    },

    delete: (hash) => backend.delete(hash),
  };
}

export { isCorruptObject };
