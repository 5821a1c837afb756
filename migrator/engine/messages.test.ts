import { fetchGroups, normalizeFlags, sameFlags } from './messages';
import { flagFilter } from './folder-sync';
import { backoffMs } from './workers';

describe('flags', () => {
  it('normalizes: no \\Recent, system flags capitalized, sorted, unique', () => {
    expect(normalizeFlags(['\\SEEN', '\\Recent', 'Todo', '\\seen', '$Label1'])).toEqual(['$Label1', 'Todo', '\\Seen']);
    expect(sameFlags(normalizeFlags(['\\Flagged', 'a']), normalizeFlags(['a', '\\flagged']))).toBe(true);
  });
  it('keeps what PERMANENTFLAGS allow and reports the rest', () => {
    const noKeywords = flagFilter(new Set(['\\Seen', '\\Flagged', '\\Deleted', '\\Answered', '\\Draft']));
    expect(noKeywords(['\\Seen', '$Label1', 'Todo'])).toEqual({ kept: ['\\Seen'], refused: ['$Label1', 'Todo'] });
    const anyKeyword = flagFilter(new Set(['\\Seen', '\\*']));
    expect(anyKeyword(['\\Seen', '$Label1', '\\Draft'])).toEqual({ kept: ['\\Seen', '$Label1'], refused: ['\\Draft'] });
    expect(flagFilter(undefined)(['x'])).toEqual({ kept: ['x'], refused: [] });
  });
});

describe('fetch groups', () => {
  it('bounds each FETCH by message count and bytes', () => {
    const metas = Array.from({ length: 1200 }, (_, i) => ({ uid: i + 1, size: 1000 }));
    const groups = fetchGroups(metas);
    expect(groups.map((g) => g.length)).toEqual([500, 500, 200]);
    const big = fetchGroups([
      { uid: 1, size: 3 * 1024 * 1024 },
      { uid: 2, size: 3 * 1024 * 1024 },
      { uid: 3, size: 10 },
    ]);
    expect(big).toEqual([[1], [2, 3]]);
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and waits longer when throttled', () => {
    const a1 = backoffMs(1, false);
    const a5 = backoffMs(5, false);
    expect(a1).toBeGreaterThan(100);
    expect(a5).toBeGreaterThan(a1);
    expect(backoffMs(30, false)).toBeLessThanOrEqual(30_000 * 1.25);
    expect(backoffMs(1, true)).toBeGreaterThan(backoffMs(1, false) * 2);
  });
});
