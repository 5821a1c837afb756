import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { LocalFolderBackend } from './backend';
import { COMPRESSION_DEFLATE_RAW, SealStream } from './format';
import { createBodyStore } from './store';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A pseudo-random but compressible message of `size` bytes, generated lazily (never all in memory). */
function messageStream(size: number, seed = 1): Readable {
  let sent = 0;
  let n = seed;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const len = Math.min(64 * 1024, size - sent);
      const chunk = Buffer.alloc(len);
      for (let i = 0; i < len; i++) {
        n = (n * 1103515245 + 12345) & 0x7fffffff;
        chunk[i] = 32 + ((n >> 16) % 64);
      }
      sent += len;
      this.push(chunk);
    },
  });
}

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

jest.setTimeout(60_000);

describe('backup body store (local folder, sealed chunks)', () => {
  let dir: string;
  const key = randomBytes(32);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const objectPath = (root: string, hash: string) => path.join(root, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);

  it('stores a body once under its SHA-256, compressed and without plaintext, and reads it back', async () => {
    const store = createBodyStore('t1', new LocalFolderBackend(dir), key);
    const body = Buffer.from('Subject: hello\r\n\r\n' + 'the quick brown fox '.repeat(5000));
    const a = await store.put(Readable.from([body]));
    expect(a).toMatchObject({ hash: sha(body), size: body.length, created: true });
    expect(a.storedBytes).toBeLessThan(body.length / 10);
    const b = await store.put(Readable.from([body]));
    expect(b).toMatchObject({ hash: a.hash, created: false });
    const onDisk = fs.readFileSync(objectPath(dir, a.hash));
    expect(onDisk.includes(Buffer.from('quick brown'))).toBe(false);
    expect(await store.read(a.hash, 1e9)).toEqual(body);
    expect(await store.exists(a.hash)).toBe(true);
    const listed = [];
    for await (const o of store.list()) listed.push(o.hash);
    expect(listed).toEqual([a.hash]);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(await store.delete(a.hash)).toBe(true);
    expect(await store.exists(a.hash)).toBe(false);
  });

  it('streams a 30 MB message in and out with flat memory', async () => {
    const store = createBodyStore('t1', new LocalFolderBackend(dir), key);
    const size = 30 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    const put = await store.put(messageStream(size));
    expect(put.size).toBe(size);
    let n = 0;
    const h = createHash('sha256');
    for await (const part of await store.get(put.hash)) {
      n += (part as Buffer).length;
      h.update(part as Buffer);
    }
    expect(n).toBe(size);
    expect(h.digest('hex')).toBe(put.hash);
    // a buffered implementation would hold the 30 MB at least twice
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('detects an altered byte, a truncated object, an object under another name and a wrong key', async () => {
    const backend = new LocalFolderBackend(dir);
    const store = createBodyStore('t1', backend, key);
    const body = randomBytes(200_000);
    const { hash } = await store.put(Readable.from([body]));
    const file = objectPath(dir, hash);
    const original = fs.readFileSync(file);

    const flipped = Buffer.from(original);
    flipped[original.length - 40] ^= 1;
    fs.writeFileSync(file, flipped);
    await expect(store.read(hash, 1e9)).rejects.toMatchObject({ details: { kind: 'backup_body_corrupt' } });

    // cut at a chunk boundary: every remaining chunk is authentic, only the final marker is missing
    fs.writeFileSync(file, original.subarray(0, 32 + 4 + 65536 + 16));
    await expect(store.read(hash, 1e9)).rejects.toThrow(/truncated/);

    const other = randomBytes(1000);
    const { hash: otherHash } = await store.put(Readable.from([other]));
    fs.writeFileSync(file, fs.readFileSync(objectPath(dir, otherHash)));
    await expect(store.read(hash, 1e9)).rejects.toThrow(/authentication/);

    fs.writeFileSync(file, original);
    expect(await store.read(hash, 1e9)).toEqual(body);
    const wrong = createBodyStore('t1', backend, randomBytes(32));
    await expect(wrong.read(hash, 1e9)).rejects.toThrow(/sealed with data key/);

    fs.rmSync(file);
    await expect(store.get(hash)).rejects.toThrow(/missing/);
  });

  it('leaves nothing under a final name when the source fails midway', async () => {
    const store = createBodyStore('t1', new LocalFolderBackend(dir), key);
    const failing = new Readable({
      read() {
        this.push(randomBytes(100_000));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.put(failing)).rejects.toThrow(/connection reset/);
    const listed = [];
    for await (const o of store.list()) listed.push(o);
    expect(listed).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('reads and verifies whole bodies as streams', async () => {
    const store = createBodyStore('t1', new LocalFolderBackend(dir), key);
    const body = Buffer.from('');
    const { hash } = await store.put(Readable.from([body]));
    expect(hash).toBe(sha(body));
    expect(await drain(await store.get(hash))).toEqual(body);
  });

  it('stages bodies in memory: nothing under a final name before commit, durable and readable after', async () => {
    const store = createBodyStore('t1', new LocalFolderBackend(dir), key);
    const bodies = [Buffer.from('Subject: a\r\n\r\n' + 'text '.repeat(20_000)), randomBytes(300_000), Buffer.alloc(0)];
    const puts = await Promise.all([...bodies, bodies[0]!].map((b) => store.putStaged(b)));
    expect(puts.map((p) => p.hash)).toEqual([...bodies, bodies[0]!].map(sha));
    // the same body twice at once is staged once
    expect(
      puts
        .filter((p) => p.hash === sha(bodies[0]!))
        .map((p) => p.created)
        .sort(),
    ).toEqual([false, true]);
    for (const p of puts) {
      expect(fs.existsSync(objectPath(dir, p.hash))).toBe(false);
      expect(await store.exists(p.hash)).toBe(false);
    }
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toHaveLength(3);
    await store.commit();
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    for (const b of bodies) expect(await store.read(sha(b), 1e9)).toEqual(b);
    expect(puts[0]!.storedBytes).toBeLessThan(bodies[0]!.length / 10);
    expect(fs.readFileSync(objectPath(dir, sha(bodies[0]!))).includes(Buffer.from('text text'))).toBe(false);
    // stored already: not staged again, a commit with nothing staged is a no-op
    expect(await store.putStaged(bodies[1]!)).toMatchObject({ hash: sha(bodies[1]!), created: false });
    await store.commit();
    // a streamed put of the same body finds it too
    expect(await store.put(Readable.from([bodies[1]!]))).toMatchObject({ created: false });
  });

  it("sweeps what a killed writer of the same staging area left, and only that area's", async () => {
    const area = '00000000-0000-4000-8000-000000000001';
    const killed = createBodyStore('t1', new LocalFolderBackend(dir, { stagingArea: area }), key);
    const other = createBodyStore('t1', new LocalFolderBackend(dir, { stagingArea: '00000000-0000-4000-8000-000000000002' }), key);
    await killed.putStaged(randomBytes(1000));
    await other.putStaged(randomBytes(1000));
    const staged = (a: string) => fs.readdirSync(path.join(dir, 'tmp', `staged-${a}`));
    expect(staged(area)).toHaveLength(1);
    // never committed: the next writer of the area starts clean
    const next = createBodyStore('t1', new LocalFolderBackend(dir, { stagingArea: area }), key);
    const put = await next.putStaged(randomBytes(1000));
    expect(staged(area)).toHaveLength(1);
    expect(staged('00000000-0000-4000-8000-000000000002')).toHaveLength(1);
    await next.commit();
    expect(staged(area)).toEqual([]);
    expect(await next.exists(put.hash)).toBe(true);
  });

  it('reads objects sealed before brotli (raw deflate)', async () => {
    const backend = new LocalFolderBackend(dir);
    const store = createBodyStore('t1', backend, key);
    const body = Buffer.from('Subject: old\r\n\r\n' + 'an old deflated body '.repeat(4000));
    const digest = createHash('sha256').update(body).digest();
    const written = await backend.write(
      Readable.from([body])
        .pipe(zlib.createDeflateRaw({ level: 6 }))
        .pipe(new SealStream(key, COMPRESSION_DEFLATE_RAW, () => digest)),
      () => digest.toString('hex'),
    );
    expect(written.created).toBe(true);
    expect(fs.readFileSync(objectPath(dir, written.name))[5]).toBe(COMPRESSION_DEFLATE_RAW);
    expect(await store.read(written.name, 1e9)).toEqual(body);
    // an object shorter than its header is reported, not hung on
    fs.writeFileSync(objectPath(dir, written.name), Buffer.from('PWBK'));
    await expect(store.read(written.name, 1e9)).rejects.toThrow(/shorter than its header/);
  });
});
