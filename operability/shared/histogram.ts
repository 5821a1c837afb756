/**
 * Latency histograms of the hourly rollup: log-scale buckets (each 10 % wider than the last, from 1 ms),
 * stored as text `bucket:count,bucket:count` with only the buckets that were hit. A tenant's probe
 * latencies of an hour usually fall into a handful of buckets, so a row stays a few dozen bytes, and
 * histograms of any hours add up exactly, which percentiles do not: a month's p95 is read from the sum
 * of its hours' histograms. A percentile is the upper bound of its bucket: at most 10 % high.
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

export type Histogram = Map<number, number>;

/** The bucket of a latency in ms: 0 holds 0-1 ms, bucket b holds (1.1^(b-1), 1.1^b]. */
export function bucketOf(ms: number): number {
  if (ms <= 1) return 0;
  return Math.ceil(Math.log(ms) / LOG_GROWTH - 1e-9);
}

export const bucketUpperMs = (b: number): number => (b === 0 ? 1 : Math.round(GROWTH ** b));

export function add(h: Histogram, ms: number, n = 1): void {
  const b = bucketOf(ms);
  h.set(b, (h.get(b) ?? 0) + n);
}

export function merge(into: Histogram, from: Histogram): void {
  for (const [b, n] of from) into.set(b, (into.get(b) ?? 0) + n);
}

export function encode(h: Histogram): string {
  return [...h.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}:${n}`)
    .join(',');
}

export function decode(text: string): Histogram {
  const h: Histogram = new Map();
  if (!text) return h;
  for (const pair of text.split(',')) {
    const [b, n] = pair.split(':');
    h.set(Number(b), Number(n));
  }
  return h;
}

export const countOf = (h: Histogram): number => [...h.values()].reduce((a, b) => a + b, 0);

/** The q-quantile (0.95) in ms, as its bucket's upper bound; null for an empty histogram. */
export function quantile(h: Histogram, q: number): number | null {
  const total = countOf(h);
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const [b, n] of [...h.entries()].sort((a, c) => a[0] - c[0])) {
    seen += n;
    if (seen >= rank) return bucketUpperMs(b);
  }
  return null;
}
