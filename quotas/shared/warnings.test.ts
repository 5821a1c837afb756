import { crossedThresholds, warningLevel } from './warnings';

describe('warning thresholds', () => {
  it('places usage on the highest threshold reached', () => {
    expect(warningLevel(0, 1000)).toBe(0);
    expect(warningLevel(799, 1000)).toBe(0);
    expect(warningLevel(800, 1000)).toBe(80);
    expect(warningLevel(949, 1000)).toBe(80);
    expect(warningLevel(950, 1000)).toBe(95);
    expect(warningLevel(999, 1000)).toBe(95);
    expect(warningLevel(1000, 1000)).toBe(100);
    expect(warningLevel(5000, 1000)).toBe(100);
  });

  it('compares in integers (no rounding across 95 % of odd sizes)', () => {
    // 95 % of 1,000,001 bytes is 950,000.95 bytes: 950,000 is below, 950,001 reaches it
    expect(warningLevel(950_000, 1_000_001)).toBe(80);
    expect(warningLevel(950_001, 1_000_001)).toBe(95);
    expect(warningLevel(2 ** 49, 2 ** 50)).toBe(0);
  });

  it('raises each threshold crossed upwards once, and nothing on the way down', () => {
    expect(crossedThresholds(0, 80)).toEqual([80]);
    expect(crossedThresholds(0, 100)).toEqual([80, 95, 100]);
    expect(crossedThresholds(80, 95)).toEqual([95]);
    expect(crossedThresholds(80, 80)).toEqual([]);
    expect(crossedThresholds(100, 0)).toEqual([]);
    expect(crossedThresholds(95, 80)).toEqual([]);
  });

  it('raises again after falling back below a threshold', () => {
    // 85 % → 70 % → 85 %: the second rise crosses 80 again
    let level = 0;
    const seen: number[] = [];
    for (const used of [850, 700, 850, 860, 960, 900, 960]) {
      const next = warningLevel(used, 1000);
      seen.push(...crossedThresholds(level, next));
      level = next;
    }
    expect(seen).toEqual([80, 80, 95, 95]);
  });
});
