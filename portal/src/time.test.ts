import { isoToZoned, zonedToIso, zoneOffsetMinutes } from './time';

describe('time zones for the cut-over form', () => {
  it('turns a wall time in a zone into ISO with that zone’s offset, winter and summer', () => {
    expect(zonedToIso('2026-12-03', '22:00', 'Europe/Berlin')).toBe('2026-12-03T22:00:00+01:00');
    expect(zonedToIso('2026-07-03', '22:00', 'Europe/Berlin')).toBe('2026-07-03T22:00:00+02:00');
    expect(zonedToIso('2026-12-03', '22:00', 'America/New_York')).toBe('2026-12-03T22:00:00-05:00');
    expect(zonedToIso('2026-12-03', '22:00:30', 'UTC')).toBe('2026-12-03T22:00:30+00:00');
  });

  it('gets the offset right just after a DST change', () => {
    // Berlin goes to summer time at 2026-03-29 01:00 UTC (02:00 local becomes 03:00)
    expect(zonedToIso('2026-03-29', '03:30', 'Europe/Berlin')).toBe('2026-03-29T03:30:00+02:00');
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-03-29T00:59:00Z'))).toBe(60);
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-03-29T01:00:00Z'))).toBe(120);
  });

  it('shows an instant back as the zone’s date and time', () => {
    expect(isoToZoned('2026-12-03T21:00:00.000Z', 'Europe/Berlin')).toEqual({ date: '2026-12-03', time: '22:00:00' });
    expect(isoToZoned(zonedToIso('2026-07-01', '08:15', 'Asia/Kolkata'), 'Asia/Kolkata')).toEqual({ date: '2026-07-01', time: '08:15:00' });
  });
});
