import { decodeMailboxName, encodeMailboxName } from './mailbox-name';

describe('modified UTF-7 mailbox names', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['Привет', '&BB8EQAQ4BDIENQRC-'],
    ['emoji 😀', 'emoji &2D3eAA-'],
  ])('%s <-> %s', (plain, encoded) => {
    expect(encodeMailboxName(plain)).toBe(encoded);
    expect(decodeMailboxName(encoded)).toBe(plain);
  });

  it('round-trips arbitrary names', () => {
    for (const s of ['a&b&&c', 'Ünïcödé Ordner', '東京 & Co', '&', 'x/y.z']) expect(decodeMailboxName(encodeMailboxName(s))).toBe(s);
  });
});
