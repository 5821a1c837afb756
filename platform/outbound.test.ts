import { assertPublicDestination, isPrivateAddress } from './outbound';

describe('outbound destination guard', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1::1', '8.8.8.8']) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  });

  it('refuses a URL to a private address unless allowed', async () => {
    await expect(assertPublicDestination('http://127.0.0.1:9/hook', { allowPrivate: false })).rejects.toThrow(
      /127\.0\.0\.1, a non-public address/,
    );
    await expect(assertPublicDestination('http://[::1]:9/hook', { allowPrivate: false })).rejects.toThrow(/non-public/);
    await expect(assertPublicDestination('http://localhost:9/hook', { allowPrivate: false })).rejects.toThrow(/non-public/);
    await expect(assertPublicDestination('http://127.0.0.1:9/hook', { allowPrivate: true })).resolves.toBeUndefined();
    await expect(assertPublicDestination('http://93.184.216.34/hook', { allowPrivate: false })).resolves.toBeUndefined();
  });
});
