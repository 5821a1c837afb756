import { add, bucketOf, bucketUpperMs, decode, encode, merge, quantile, type Histogram } from './histogram';

describe('probe latency histograms', () => {
  it('puts a latency into a bucket whose upper bound is at most 10 % above it', () => {
    for (const ms of [0, 1, 2, 7, 42, 180, 499, 500, 501, 12_345, 60_000]) {
      const up = bucketUpperMs(bucketOf(ms));
      expect(up).toBeGreaterThanOrEqual(Math.floor(ms));
      expect(up).toBeLessThanOrEqual(Math.max(1, ms * 1.1 + 1));
    }
  });

  it('encodes, decodes and merges exactly, and reads percentiles from the sum', () => {
    const a: Histogram = new Map();
    const b: Histogram = new Map();
    for (let i = 0; i < 95; i++) add(a, 20);
    for (let i = 0; i < 5; i++) add(b, 900);
    const round = decode(encode(a));
    expect(round).toEqual(a);
    merge(round, decode(encode(b)));
    expect(quantile(round, 0.5)).toBe(bucketUpperMs(bucketOf(20)));
    expect(quantile(round, 0.95)).toBe(bucketUpperMs(bucketOf(20)));
    expect(quantile(round, 0.99)).toBe(bucketUpperMs(bucketOf(900)));
    expect(quantile(new Map(), 0.5)).toBeNull();
    expect(encode(new Map())).toBe('');
    expect(decode('')).toEqual(new Map());
  });
});
