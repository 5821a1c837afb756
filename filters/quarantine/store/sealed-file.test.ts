import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readSealedFile, sealToFile, unsealToFile } from './sealed-file';

describe('sealed quarantine files', () => {
  const key = randomBytes(32);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwq-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips a message in chunks, 0600, with no plaintext on disk', async () => {
    const message = Buffer.concat([Buffer.from('Subject: secret words\r\n\r\n'), randomBytes(300_000)]);
    const file = path.join(dir, 't', 'a.pwq');
    await sealToFile(key, Readable.from([message.subarray(0, 1000), message.subarray(1000)]), file, 'a');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).includes(Buffer.from('secret words'))).toBe(false);
    expect((await readSealedFile(key, file, 'a')).equals(message)).toBe(true);
    await unsealToFile(key, file, 'a', path.join(dir, 'plain'));
    expect(fs.readFileSync(path.join(dir, 'plain')).equals(message)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 't'))).toEqual(['a.pwq']);
  });

  it('refuses an altered file, another id, another key, and a missing file', async () => {
    const file = path.join(dir, 'b.pwq');
    await sealToFile(key, Readable.from([Buffer.from('hello world')]), file, 'b');
    await expect(readSealedFile(key, file, 'other')).rejects.toThrow(/authentication failed/);
    await expect(readSealedFile(randomBytes(32), file, 'b')).rejects.toThrow(/sealed with key/);
    const bytes = fs.readFileSync(file);
    bytes[30] = bytes[30]! ^ 1;
    fs.writeFileSync(file, bytes);
    await expect(readSealedFile(key, file, 'b')).rejects.toThrow(/authentication failed/);
    await expect(unsealToFile(key, file, 'b', path.join(dir, 'out'))).rejects.toThrow(/authentication failed/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    await expect(readSealedFile(key, path.join(dir, 'none.pwq'), 'b')).rejects.toThrow(/missing/);
  });

  it('seals an empty message', async () => {
    const file = path.join(dir, 'c.pwq');
    await sealToFile(key, Readable.from([]), file, 'c');
    expect((await readSealedFile(key, file, 'c')).length).toBe(0);
  });
});
