import { hashPassword, verifyPassword, passwordProblem } from './passwords';

describe('passwords', () => {
  it('hashes in the scheme Dovecot verifies and checks it back', async () => {
    const h = await hashPassword('Correct-Horse-9', 4);
    expect(h).toMatch(/^\{BLF-CRYPT\}\$2[aby]\$04\$/);
    expect(await verifyPassword('Correct-Horse-9', h)).toBe(true);
    expect(await verifyPassword('wrong-password-1', h)).toBe(false);
  });

  it('says what is weak', () => {
    expect(passwordProblem('short1')).toMatch(/at least 10/);
    expect(passwordProblem('aaaaaaaaaaaa')).toMatch(/repeat/);
    expect(passwordProblem('abcdefghijk')).toMatch(/mix letters/);
    expect(passwordProblem('Password123!')).toMatch(/too common/);
    expect(passwordProblem('alice-Secret-1', ['alice'])).toMatch(/address or the name/);
    expect(passwordProblem('Tr0ub4dor&3x')).toBeNull();
  });
});
