import { z } from 'zod';
import { FORECAST_MIN_SPAN_MS } from '../limits';

/**
 * When will an account (or the tenant's pool) be full at the current rate?
 *
 * A straight line is fitted by least squares through the usage samples of the recent window
 * (FORECAST_WINDOW_DAYS); its slope is the rate. The date is when the line, continued from the latest
 * figure, reaches the capacity (the allocation; for the pool, the pool). `null` when usage is not
 * growing (slope ≤ 0), when there are fewer than two samples or they span less than
 * FORECAST_MIN_SPAN_MS. Already full: the date of the latest sample.
 *
 * The pool's rate is the sum of its accounts' rates (the pool's usage is the sum of theirs, and each
 * account is sampled on its own clock, so their lines are fitted apart and added).
 */
export interface Point {
  /** ms since the epoch */
  t: number;
  /** bytes */
  y: number;
}

/** Least-squares slope (bytes per ms) of the points, or null when it is not defined. */
export function leastSquaresSlope(points: Point[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  // Centre the times: epoch milliseconds squared lose precision in doubles.
  const t0 = points[0]!.t;
  let st = 0;
  let sy = 0;
  for (const p of points) {
    st += p.t - t0;
    sy += p.y;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    const dt = p.t - t0 - mt;
    num += dt * (p.y - my);
    den += dt * dt;
  }
  return den === 0 ? null : num / den;
}

export const Forecast = z.object({
  /** growth in bytes per day over the window (may be negative), null when unknown */
  bytesPerDay: z.number().nullable(),
  /** ISO date-time at which usage reaches the capacity, null when not growing or unknown */
  fullAt: z.string().nullable(),
  /** samples the line was fitted through */
  samples: z.number(),
});
export type Forecast = z.infer<typeof Forecast>;

export const DAY_MS = 86_400_000;

/** Forecast from a rate (bytes per ms), the current usage at time `at`, and the capacity. */
export function forecastFromRate(rate: number | null, usedBytes: number, at: number, capacity: number, samples: number): Forecast {
  if (rate === null) return { bytesPerDay: null, fullAt: null, samples };
  const bytesPerDay = rate * DAY_MS;
  if (usedBytes >= capacity) return { bytesPerDay, fullAt: new Date(at).toISOString(), samples };
  if (rate <= 0) return { bytesPerDay, fullAt: null, samples };
  const ms = (capacity - usedBytes) / rate;
  // Beyond what a Date can hold (year 275760): not growing in any sense that matters.
  const when = at + ms;
  return { bytesPerDay, fullAt: Number.isFinite(when) && when < 8.64e15 ? new Date(Math.ceil(when)).toISOString() : null, samples };
}

/** The rate of a series, or null when the series is too short or too brief to mean anything. */
export function seriesRate(points: Point[]): number | null {
  if (points.length < 2 || points.at(-1)!.t - points[0]!.t < FORECAST_MIN_SPAN_MS) return null;
  return leastSquaresSlope(points);
}

export function forecastSeries(points: Point[], capacity: number): Forecast {
  const last = points.at(-1);
  if (!last) return { bytesPerDay: null, fullAt: null, samples: 0 };
  return forecastFromRate(seriesRate(points), last.y, last.t, capacity, points.length);
}
