import { compressUids, expandUidSet } from '../../platform/mail/uidset';
import { formatInternalDate } from './raw-append';
import { parseImapUrl } from '../options';

describe('uid sets', () => {
  it('compresses and expands', () => {
    expect(compressUids([5, 1, 2, 3, 7, 9, 10])).toBe('1:3,5,7,9:10');
    expect(expandUidSet('1:3,5,9:10')).toEqual([1, 2, 3, 5, 9, 10]);
    expect(expandUidSet(compressUids([42]))).toEqual([42]);
  });
  it('formats IMAP internal dates in UTC', () => {
    expect(formatInternalDate(new Date('1998-03-04T05:06:07Z'))).toBe('04-Mar-1998 05:06:07 +0000');
  });
});

describe('imap URLs', () => {
  it('parses user, host, port and security', () => {
    expect(parseImapUrl('imaps://alice@example.com@mail.example.com', '--from')).toEqual({
      host: 'mail.example.com',
      port: 993,
      security: 'tls',
      user: 'alice@example.com',
    });
    expect(parseImapUrl('imap://a%40b.c@127.0.0.1:1143', '--to')).toEqual({
      host: '127.0.0.1',
      port: 1143,
      security: 'plain',
      user: 'a@b.c',
    });
    expect(parseImapUrl('imap+starttls://u@h', '--to').security).toBe('starttls');
  });
  it('names what is wrong', () => {
    expect(() => parseImapUrl('http://x', '--from')).toThrow(/--from: expected imap\[s\]:\/\/USER@HOST\[:PORT\]/);
    expect(() => parseImapUrl('imap://u@h:70000', '--to')).toThrow(/port 70000 out of range/);
  });
});
