// Wall-clock times in a named time zone (a cut-over "on 3 December at 22:00 in Europe/Berlin"),
// through Intl only: no time zone database is shipped with the portal.

/** The zone's offset from UTC in minutes at the instant `utcMs` (Berlin in winter: 60). */
export function zoneOffsetMinutes(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `2026-12-03` + `22:00` in `Europe/Berlin` → `2026-12-03T22:00:00+01:00`: the wall time with the
 * offset the zone has then (checked twice, so a time next to a DST change gets the right one).
 */
export function zonedToIso(date: string, time: string, zone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss = 0] = time.split(':').map(Number) as [number, number, number?];
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss);
  let utc = wall - zoneOffsetMinutes(zone, wall) * 60_000;
  utc = wall - zoneOffsetMinutes(zone, utc) * 60_000;
  const off = zoneOffsetMinutes(zone, utc);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${date}T${pad(hh)}:${pad(mm)}:${pad(ss)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** An instant as date and time fields in `zone`, for the inputs of a form. */
export function isoToZoned(iso: string, zone: string): { date: string; time: string } {
  const ms = Date.parse(iso);
  const local = new Date(ms + zoneOffsetMinutes(zone, ms) * 60_000);
  return {
    date: `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`,
    time: `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`,
  };
}

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.('timeZone') ?? [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}
