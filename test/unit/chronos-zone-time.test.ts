// zone-time.ts on its own: Java's zone ids and Joda's date-time parser. Date-time forms, DST and printing
// are covered through parseSchedule and formatSchedule in chronos-schedule.test.ts.
import { describe, expect, it } from 'vitest';
import { DateTimeError, parseDateTime, resolveTimeZone, UTC } from '../../src/chronos/zone-time.js';

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

describe('resolveTimeZone', () => {
  it('maps Java’s legacy three-letter ids as Joda does, DST included', () => {
    expect(resolveTimeZone('EST')).toEqual({ kind: 'region', id: 'America/New_York' });
    expect(resolveTimeZone('BST')).toEqual({ kind: 'region', id: 'Asia/Dhaka' });
    expect(resolveTimeZone('GMT')).toEqual(UTC);
    expect(resolveTimeZone('UTC')).toEqual(UTC);
  });

  it('reads Java’s custom GMT offsets as fixed zones', () => {
    expect(resolveTimeZone('GMT+5')).toEqual({ kind: 'fixed', offsetMs: 5 * HOUR });
    expect(resolveTimeZone('GMT-08:00')).toEqual({ kind: 'fixed', offsetMs: -8 * HOUR });
    expect(resolveTimeZone('GMT+0530')).toEqual({ kind: 'fixed', offsetMs: 5.5 * HOUR });
    expect(resolveTimeZone('GMT+0')).toEqual(UTC);
    expect(resolveTimeZone('GMT+24')).toBeUndefined();
  });

  it('knows tz database regions, case-sensitively like Java', () => {
    expect(resolveTimeZone('Europe/Berlin')).toEqual({ kind: 'region', id: 'Europe/Berlin' });
    expect(resolveTimeZone('europe/berlin')).toBeUndefined();
    expect(resolveTimeZone('Nowhere/Special')).toBeUndefined();
  });
});

describe('parseDateTime', () => {
  it('returns the wall clock and the written offset', () => {
    expect(parseDateTime('2024-03-10T02:30:00-05:00')).toEqual({
      local: at('2024-03-10T02:30:00Z'),
      offsetMs: -5 * HOUR,
    });
    expect(parseDateTime('2024-03-10')).toEqual({ local: at('2024-03-10T00:00:00Z'), offsetMs: null });
    expect(() => parseDateTime('2024-02-30')).toThrow(DateTimeError);
  });
});
