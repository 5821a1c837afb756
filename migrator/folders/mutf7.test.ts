import { decodeMutf7, encodeMutf7 } from './mutf7';

describe('modified UTF-7', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['Привет', '&BB8EQAQ4BDIENQRC-'],
    ['emoji 😀', 'emoji &2D3eAA-'],
  ])('%s <-> %s', (plain, encoded) => {
    expect(encodeMutf7(plain)).toBe(encoded);
    expect(decodeMutf7(encoded)).toBe(plain);
  });

  it('round-trips arbitrary names', () => {
    for (const s of ['a&b&&c', 'Ünïcödé Ordner', '東京 & Co', '&', 'x/y.z']) expect(decodeMutf7(encodeMutf7(s))).toBe(s);
  });

  it('keeps malformed sequences literally', () => {
    expect(decodeMutf7('bad &*** name')).toBe('bad &*** name');
  });
});
