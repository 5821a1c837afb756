// The backup store of one tenant: message bodies named by the SHA-256 of their plaintext, compressed, sealed
// with the tenant's data key (format.ts) and kept by a backend (backend.ts). Large bodies stream in and out
// with one chunk of the sealed format buffered; small ones, already in memory, are sealed in one go.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { PassThrough, Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { AppError } from '../../platform/errors';
import { STORE_BROTLI_QUALITY } from '../limits';
import type { ObjectBackend } from './backend';
import { COMPRESSION_BROTLI, HEADER_BYTES, HashTap, OpenStream, SealStream, corruptObject, isCorruptObject, sealBuffer } from './format';

const brotli = promisify(zlib.brotliCompress);
const brotliOptions = (sizeHint: number): zlib.BrotliOptions => ({
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: STORE_BROTLI_QUALITY,
    ...(sizeHint > 0 ? { [zlib.constants.BROTLI_PARAM_SIZE_HINT]: sizeHint } : {}),
  },
});

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
   * Stores a body that is in memory, staged: durable (and readable) only once `commit()` returned. The
   * caller must not record its hash anywhere (an index row) before that.
   */
  putStaged(body: Buffer): Promise<PutResult>;
  /** Makes every staged body durable (see ObjectBackend.commit). */
  commit(): Promise<void>;
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

/** Reads the first `n` bytes of `raw` and puts them back; fewer when the stream ends first (then it is spent). */
async function peek(raw: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = raw.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      got += chunk.length;
      continue;
    }
    if (raw.readableEnded || raw.destroyed) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const settle = (v: boolean | Error) => {
        raw.off('readable', onReadable);
        raw.off('end', onEnd);
        raw.off('error', settle);
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      const onReadable = () => settle(false);
      const onEnd = () => settle(true);
      raw.once('readable', onReadable);
      raw.once('end', onEnd);
      raw.once('error', settle);
    });
    if (ended) break;
  }
  const head = Buffer.concat(parts);
  if (got >= n) raw.unshift(head);
  return head;
}

export function createBodyStore(tenantId: string, backend: ObjectBackend, dataKey: Buffer): BodyStore {
  return {
    tenantId,
    async put(body) {
      const tap = new HashTap();
      // stream.pipeline listens for errors on every stage at once (the backend starts reading only after
      // its own setup), and destroys the whole chain when the source fails midway
      const sealed = pipeline(
        body,
        tap,
        zlib.createBrotliCompress(brotliOptions(0)),
        new SealStream(dataKey, COMPRESSION_BROTLI, () => tap.digest()),
        () => undefined,
      );
      const out = await backend.write(sealed, () => tap.digest().toString('hex'));
      return { hash: out.name, size: tap.bytes, storedBytes: out.bytes, created: out.created };
    },

    async putStaged(body) {
      const digest = createHash('sha256').update(body).digest();
      const hash = digest.toString('hex');
      const out = await backend.stage(hash, async () => {
        // compressed on libuv's thread pool in one piece: an output buffer the size of the input (plus
        // brotli's worst-case overhead) takes one round trip to the pool, not one per 16 KiB
        const compressed = await brotli(body, { ...brotliOptions(body.length), chunkSize: Math.max(16 * 1024, body.length + 1024) });
        return sealBuffer(dataKey, COMPRESSION_BROTLI, compressed, digest);
      });
      return { hash, size: body.length, storedBytes: out.bytes, created: out.created };
    },

    commit: () => backend.commit(),

    async get(hash) {
      if (!HASH.test(hash)) throw new AppError('validation_failed', `bad body hash ${JSON.stringify(hash)}`);
      const raw = await backend.read(hash);
      if (!raw) throw corruptObject(hash, 'missing from the store');
      // the header names the compression; OpenStream checks the header again, and authenticates it
      const head = await peek(raw, HEADER_BYTES);
      if (head.length < HEADER_BYTES) {
        raw.destroy();
        const failed = new PassThrough();
        process.nextTick(() => failed.destroy(corruptObject(hash, 'shorter than its header')));
        return failed;
      }
      const open = new OpenStream(dataKey, hash);
      const inflate = head[5] === COMPRESSION_BROTLI ? zlib.createBrotliDecompress() : zlib.createInflateRaw();
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
