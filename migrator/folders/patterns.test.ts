import { isFolderSelected, matchesPattern } from './patterns';

describe('folder patterns', () => {
  it('* crosses levels, % does not, ? is one character', () => {
    expect(matchesPattern('Archive/2019/Q1', 'Archive/*')).toBe(true);
    expect(matchesPattern('Archive/2019/Q1', 'Archive/%')).toBe(false);
    expect(matchesPattern('Archive/2019', 'Archive/%')).toBe(true);
    expect(matchesPattern('Archive/2019', 'Archive/201?')).toBe(true);
    expect(matchesPattern('Archive', 'Archive/*')).toBe(false);
  });
  it('treats regex characters literally and INBOX case-insensitively', () => {
    expect(matchesPattern('[Gmail]/All Mail', '[Gmail]/All Mail')).toBe(true);
    expect(matchesPattern('a.b', 'a?b')).toBe(true);
    expect(matchesPattern('axb', 'a.b')).toBe(false);
    expect(matchesPattern('inbox/Sub', 'INBOX/*')).toBe(true);
  });
  it('include then exclude', () => {
    expect(isFolderSelected('Junk', [], ['Junk'])).toBe(false);
    expect(isFolderSelected('Work/A', ['Work/*'], [])).toBe(true);
    expect(isFolderSelected('Home', ['Work/*'], [])).toBe(false);
    expect(isFolderSelected('Work/Old', ['Work/*'], ['*/Old'])).toBe(false);
  });
});
