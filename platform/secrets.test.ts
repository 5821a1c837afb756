import { randomBytes } from 'node:crypto';
import { createSecretBox, keyId } from './secrets';

describe('secrets (AES-256-GCM at rest)', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('seals and opens, with a fresh IV each time and no plaintext in the sealed text', () => {
    const a = box.seal('hunter2 ünïcode', 'ctx');
    const b = box.seal('hunter2 ünïcode', 'ctx');
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^pws1\\.${keyId(key)}\\.`));
    expect(a).not.toContain('hunter2');
    expect(box.open(a, 'ctx')).toBe('hunter2 ünïcode');
    expect(box.isSealed(a)).toBe(true);
    expect(box.isSealed('hunter2')).toBe(false);
  });

  it('detects a tampered ciphertext, tag or IV', () => {
    const sealed = box.seal('secret value');
    const parts = sealed.split('.');
    for (const i of [2, 3, 4]) {
      const p = [...parts];
      const raw = Buffer.from(p[i]!, 'base64url');
      raw[0] = raw[0]! ^ 0x01;
      p[i] = raw.toString('base64url');
      expect(() => box.open(p.join('.'))).toThrow(/cannot be opened/);
    }
  });

  it('refuses a value moved to another context (another row)', () => {
    const sealed = box.seal('pw', 'migration_projects:a');
    expect(() => box.open(sealed, 'migration_projects:b')).toThrow(/authentication failed/);
  });

  it('names an unknown key, and opens values of a previous key after rotation', () => {
    const old = randomBytes(32);
    const sealedOld = createSecretBox(old).seal('before rotation');
    expect(() => box.open(sealedOld)).toThrow(new RegExp(`key ${keyId(old)}`));
    expect(createSecretBox(key, [old]).open(sealedOld)).toBe('before rotation');
  });

  it('rejects malformed values and wrong key sizes', () => {
    expect(() => box.open('plain text')).toThrow(/known format/);
    expect(() => box.open('pws1.x.y.z')).toThrow(/known format/);
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
