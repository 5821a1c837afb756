import { forecastFromRate, forecastSeries, leastSquaresSlope, seriesRate } from './forecast';

const H = 3600_000;
const D = 24 * H;
const t0 = Date.parse('2026-11-01T00:00:00.000Z');

describe('forecast math', () => {
  it('fits the slope of a straight line exactly', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ t: t0 + i * H, y: 1000 + 50 * i }));
    expect(leastSquaresSlope(points)).toBeCloseTo(50 / H, 15);
  });

  it('fits noisy points by least squares', () => {
    // y = 2t + noise that sums and correlates to zero: slope stays 2
    const points = [
      { t: t0 + 0, y: 1 },
      { t: t0 + 1, y: 1 },
      { t: t0 + 2, y: 5 },
      { t: t0 + 3, y: 5 },
    ];
    // by hand: mean t 1.5, mean y 3; Σdt·dy = (-1.5)(-2)+(-0.5)(-2)+(0.5)(2)+(1.5)(2) = 8; Σdt² = 5
    expect(leastSquaresSlope(points)).toBeCloseTo(8 / 5, 12);
  });

  it('has no slope with fewer than two points or one instant', () => {
    expect(leastSquaresSlope([])).toBeNull();
    expect(leastSquaresSlope([{ t: t0, y: 1 }])).toBeNull();
    expect(
      leastSquaresSlope([
        { t: t0, y: 1 },
        { t: t0, y: 5 },
      ]),
    ).toBeNull();
  });

  it('needs samples spanning at least an hour', () => {
    expect(
      seriesRate([
        { t: t0, y: 0 },
        { t: t0 + 60_000, y: 1000 },
      ]),
    ).toBeNull();
    expect(
      seriesRate([
        { t: t0, y: 0 },
        { t: t0 + H, y: 1000 },
      ]),
    ).toBeCloseTo(1000 / H, 15);
  });

  it('dates the day the capacity is reached, from the latest figure', () => {
    // 1 MiB per day, 10 MiB used of 20 MiB: full in 10 days after the last sample
    const MiB = 1024 ** 2;
    const points = Array.from({ length: 11 }, (_, i) => ({ t: t0 + i * D, y: i * MiB }));
    const f = forecastSeries(points, 20 * MiB);
    expect(f.bytesPerDay).toBeCloseTo(MiB, 3);
    expect(f.fullAt).toBe(new Date(t0 + 20 * D).toISOString());
    expect(f.samples).toBe(11);
  });

  it('answers null when usage is flat or shrinking', () => {
    const flat = Array.from({ length: 5 }, (_, i) => ({ t: t0 + i * H, y: 500 }));
    expect(forecastSeries(flat, 1000).fullAt).toBeNull();
    expect(forecastSeries(flat, 1000).bytesPerDay).toBe(0);
    const shrinking = Array.from({ length: 5 }, (_, i) => ({ t: t0 + i * H, y: 900 - i * 10 }));
    expect(forecastSeries(shrinking, 1000).fullAt).toBeNull();
    expect(forecastSeries([], 1000)).toEqual({ bytesPerDay: null, fullAt: null, samples: 0 });
  });

  it('dates an already full account at its latest sample', () => {
    expect(forecastFromRate(0, 1000, t0, 1000, 3).fullAt).toBe(new Date(t0).toISOString());
    expect(forecastFromRate(-1, 2000, t0, 1000, 3).fullAt).toBe(new Date(t0).toISOString());
  });

  it('gives no date beyond what a Date can hold', () => {
    expect(forecastFromRate(1e-12, 0, t0, 2 ** 50, 3).fullAt).toBeNull();
  });
});
