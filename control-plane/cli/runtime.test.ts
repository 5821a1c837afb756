import { parseBytes } from './runtime';

describe('parseBytes', () => {
  it.each([
    ['1073741824', 1073741824],
    ['10GiB', 10 * 1024 ** 3],
    ['500M', 500 * 1024 ** 2],
    ['1.5 GiB', 1.5 * 1024 ** 3],
  ])('%s', (text, n) => expect(parseBytes(text)).toBe(n));
  it('refuses what is not a size', () => {
    expect(() => parseBytes('ten')).toThrow(/not a size/);
    expect(() => parseBytes('5 parsecs')).toThrow(/not a size/);
  });
});
