import { describe, expect, it } from 'vitest';
import {
  addPeriod,
  advanceSchedule,
  formatPeriod,
  formatSchedule,
  isDue,
  nextRunAt,
  parsePeriod,
  parseSchedule,
  ScheduleError,
  skipForward,
  type Schedule,
} from '../../src/chronos/schedule.js';
import { formatDateTime, resolveTimeZone, UTC } from '../../src/chronos/zone-time.js';

const at = (iso: string): number => Date.parse(iso);
const NOW = at('2024-06-01T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const parse = (text: string, timeZone = '', now = NOW): Schedule => parseSchedule(text, timeZone, now);

/** The stored schedule strings of `runs` successive runs, each launched right when it is due. */
function runs(text: string, timeZone: string, count: number): string[] {
  const out: string[] = [];
  let s = parse(text, timeZone);
  for (let i = 0; i < count; i++) {
    const step = advanceSchedule(s, s.start + 1);
    expect(step.due).toBe(true);
    s = step.next;
    out.push(formatSchedule(s));
  }
  return out;
}

describe('parseSchedule', () => {
  it('reads the repetitions, the start and the period', () => {
    const s = parse('R5/2008-03-01T13:00:00Z/P1D');
    expect(s.repetitions).toBe(5);
    expect(s.start).toBe(at('2008-03-01T13:00:00Z'));
    expect(formatPeriod(s.period)).toBe('P1D');
    expect(parse('R/2008-03-01T13:00:00Z/P1D').repetitions).toBe(-1);
    expect(parse('R0/2008-03-01T13:00:00Z/P1D').repetitions).toBe(0);
    expect(parse('R007/2008-03-01T13:00:00Z/P1D').repetitions).toBe(7);
  });

  it('reads a start without offset at UTC and keeps a written offset for printing', () => {
    expect(parse('R/2008-03-01T13:00:00/P1D').start).toBe(at('2008-03-01T13:00:00Z'));
    const s = parse('R/2008-03-01T13:00:00-04:00/PT2H');
    expect(s.start).toBe(at('2008-03-01T17:00:00Z'));
    expect(formatSchedule(s)).toBe('R/2008-03-01T13:00:00.000-04:00/PT2H');
  });

  it('takes an empty start as one second before now, at UTC whatever the time zone', () => {
    const s = parse('R1//P1D', 'America/New_York');
    expect(s.start).toBe(NOW - 1000);
    expect(s.zone).toEqual(UTC);
    expect(formatSchedule(s)).toBe('R1/2024-06-01T11:59:59.000Z/P1D');
  });

  it('accepts a bare P as the zero period (a run-once job)', () => {
    expect(formatSchedule(parse('R1//P'))).toBe('R1/2024-06-01T11:59:59.000Z/PT0S');
  });

  // The cases of Chronos's Iso8601ExpressionParserSpec.
  it('reinterprets the wall-clock start in scheduleTimeZone, overriding the written offset', () => {
    expect(parse('R/2008-03-01T13:00:00Z/P1D', 'BST').start).toBe(at('2008-03-01T13:00:00+06:00'));
    expect(parse('R/2008-03-01T13:00:00Z/P1D', 'PST').start).toBe(at('2008-03-01T13:00:00-08:00'));
    expect(parse('R/2008-03-01T13:00:00Z/P1D', 'Europe/Paris').start).toBe(at('2008-03-01T13:00:00+01:00'));
    expect(parse('R/2008-03-01T13:00:00-04:00/P1D', 'PST').start).toBe(at('2008-03-01T13:00:00-08:00'));
    expect(parse('R/2008-03-01/P1D', 'PST').start).toBe(at('2008-03-01T00:00:00-08:00'));
    expect(formatSchedule(parse('R/2008-07-01T13:00:00Z/P1D', 'PST'))).toBe(
      'R/2008-07-01T13:00:00.000-07:00/P1D',
    );
  });

  it('treats a time zone Java does not know as UTC, like Chronos', () => {
    expect(parse('R/2008-03-01T13:00:00+02:00/P1D', 'Mars/Olympus').start).toBe(at('2008-03-01T13:00:00Z'));
    expect(parse('R/2008-03-01T13:00:00+02:00/P1D', 'america/new_york').start).toBe(
      at('2008-03-01T13:00:00Z'),
    );
  });

  it('accepts the date-time forms of Joda’s ISO parser', () => {
    expect(parse('R/2008-03-01t13:00z/P1D').start).toBe(at('2008-03-01T13:00:00Z'));
    expect(parse('R/2008-061T10.5+05:30/P1D').start).toBe(at('2008-03-01T10:30:00+05:30'));
    expect(parse('R/2008-03-01T13:00:00,25Z/P1D').start).toBe(at('2008-03-01T13:00:00.250Z'));
    expect(parse('R/2009-W01-1/P1D').start).toBe(at('2008-12-29T00:00:00Z'));
    expect(parse('R/2008-03/P1D').start).toBe(at('2008-03-01T00:00:00Z'));
    expect(parse('R/2008-03-01T/P1D').start).toBe(at('2008-03-01T00:00:00Z'));
    expect(parse('R/2008-03-01T13:00:00+0530/P1D').start).toBe(at('2008-03-01T13:00:00+05:30'));
  });

  it.each([
    ['FOO', 'is not of the form R[n]/<ISO 8601 start>/<ISO 8601 period>'],
    ['R/2008-03-01T13:00:00Z', 'is not of the form'],
    ['R/P1D', 'is not of the form'],
    ['R-1/2008-03-01T13:00:00Z/P1D', 'is not of the form'],
    ['RR/2008-03-01T13:00:00Z/P1D', 'is not of the form'],
    [
      'R99999999999999999999/2008-03-01T13:00:00Z/P1D',
      'the repetition count 99999999999999999999 is too large',
    ],
    ['R/2008-02-30T13:00:00Z/P1D', "'2008-02-30T13:00:00Z' is not an ISO 8601 date-time"],
    ['R/2008-03-01T24:00:00Z/P1D', 'is not an ISO 8601 date-time'],
    ['R/2008-03-01 13:00:00Z/P1D', 'is not an ISO 8601 date-time'],
    ['R/tomorrow/P1D', "'tomorrow' is not an ISO 8601 date-time"],
    ['R/2008-03-01T13:00:00+25:00/P1D', 'is not an ISO 8601 date-time'],
    ['R/2008-03-01T13:00:00Z/P1H', "'P1H' is not an ISO 8601 period such as PT1H, P1D or P1M: expected"],
    ['R/2008-03-01T13:00:00Z/P1X', "'P1X' is not an ISO 8601 period"],
    ['R/2008-03-01T13:00:00Z/P1D1Y', 'in that order'],
    ['R/2008-03-01T13:00:00Z/PT', "nothing follows 'T'"],
    ['R/2008-03-01T13:00:00Z/P1.5D', 'is not an ISO 8601 period'],
    ['R/2008-03-01T13:00:00Z/P-1D', 'negative periods are not supported'],
    ['R/2008-03-01T13:00:00Z/PT3000000000S', 'does not fit a 32-bit integer'],
  ])('rejects %s', (text, message) => {
    expect(() => parse(text)).toThrow(ScheduleError);
    expect(() => parse(text)).toThrow(message);
  });

  it('names the whole schedule in its errors', () => {
    expect(() => parse('R/2008-03-01T13:00:00Z/P1X')).toThrow("Schedule 'R/2008-03-01T13:00:00Z/P1X': 'P1X'");
  });
});

describe('periods', () => {
  it('round-trip through Joda’s standard format', () => {
    expect(formatPeriod(parsePeriod('P1Y2M3W4DT5H6M7.008S'))).toBe('P1Y2M3W4DT5H6M7.008S');
    expect(formatPeriod(parsePeriod('PT1.5S'))).toBe('PT1.500S');
    expect(formatPeriod(parsePeriod('PT0.5S'))).toBe('PT0.500S');
    expect(formatPeriod(parsePeriod('P0D'))).toBe('PT0S');
    expect(formatPeriod(parsePeriod('p1dt2h'))).toBe('P1DT2H');
    expect(formatPeriod(parsePeriod('P+2W'))).toBe('P2W');
  });

  it('keep months and minutes apart by the T', () => {
    expect(parsePeriod('P1M')).toMatchObject({ months: 1, minutes: 0 });
    expect(parsePeriod('PT1M')).toMatchObject({ months: 0, minutes: 1 });
  });
});

describe('formatSchedule', () => {
  it('writes the start with millis and offset, as Chronos re-serialises it', () => {
    expect(formatSchedule(parse('R/2014-03-08T20:00Z/PT2H'))).toBe('R/2014-03-08T20:00:00.000Z/PT2H');
    expect(formatSchedule(parse('R3/2014-03-08T20:00:00.5+01:00/P1W'))).toBe(
      'R3/2014-03-08T20:00:00.500+01:00/P1W',
    );
  });

  it('prints a zoned start with the offset in force then', () => {
    expect(formatSchedule(parse('R/2024-01-15T09:00:00/P1D', 'America/New_York'))).toBe(
      'R/2024-01-15T09:00:00.000-05:00/P1D',
    );
    expect(formatSchedule(parse('R/2024-07-15T09:00:00/P1D', 'America/New_York'))).toBe(
      'R/2024-07-15T09:00:00.000-04:00/P1D',
    );
  });
});

describe('isDue and nextRunAt', () => {
  it('is due only once the start is strictly past and runs remain', () => {
    const s = parse('R2/2024-06-01T12:00:00Z/PT1H');
    expect(isDue(s, NOW - 1)).toBe(false);
    expect(isDue(s, NOW)).toBe(false);
    expect(isDue(s, NOW + 1)).toBe(true);
    expect(nextRunAt(s)).toBe(NOW);
    const done = parse('R0/2024-06-01T12:00:00Z/PT1H');
    expect(isDue(done, NOW + DAY)).toBe(false);
    expect(nextRunAt(done)).toBeNull();
  });
});

describe('advanceSchedule', () => {
  it('leaves a schedule whose start is in the future alone', () => {
    const s = parse('R3/2024-06-02T00:00:00Z/P1D');
    expect(advanceSchedule(s, NOW)).toEqual({ due: false, next: s, skipped: 0 });
  });

  it('counts a finite schedule down to R0, after which it never runs', () => {
    expect(runs('R3/2024-06-01T00:00:00Z/P1D', '', 3)).toEqual([
      'R2/2024-06-02T00:00:00.000Z/P1D',
      'R1/2024-06-03T00:00:00.000Z/P1D',
      'R0/2024-06-04T00:00:00.000Z/P1D',
    ]);
    const done = parse('R0/2024-06-04T00:00:00.000Z/P1D');
    expect(advanceSchedule(done, at('2030-01-01T00:00:00Z')).due).toBe(false);
  });

  it('runs R1 once', () => {
    expect(runs('R1/2024-06-01T00:00:00Z/PT1H', '', 1)).toEqual(['R0/2024-06-01T01:00:00.000Z/PT1H']);
  });

  it('keeps an infinite schedule infinite', () => {
    expect(runs('R/2024-06-01T00:00:00Z/PT30M', '', 2)).toEqual([
      'R/2024-06-01T00:30:00.000Z/PT30M',
      'R/2024-06-01T01:00:00.000Z/PT30M',
    ]);
  });

  it('collapses missed runs into one run and skips the start past now', () => {
    const s = parse('R5/2024-06-01T02:00:00Z/PT1H');
    const step = advanceSchedule(s, at('2024-06-01T12:30:00Z'));
    expect(step.due).toBe(true);
    expect(step.skipped).toBe(11);
    expect(formatSchedule(step.next)).toBe('R4/2024-06-01T13:00:00.000Z/PT1H');
  });

  it('has no epsilon in 3.x: a run missed by a week still runs, once', () => {
    const step = advanceSchedule(parse('R/2024-05-25T12:00:00Z/P1D'), NOW + MINUTE);
    expect(step.due).toBe(true);
    expect(step.skipped).toBe(8);
    expect(step.next.start).toBe(at('2024-06-02T12:00:00Z'));
  });

  it('moves a start that lies exactly periods ago strictly past now', () => {
    const step = advanceSchedule(parse('R/2024-06-01T09:00:00Z/PT1H'), NOW);
    expect(step.skipped).toBe(4);
    expect(step.next.start).toBe(at('2024-06-01T13:00:00Z'));
  });

  it('runs a zero-period schedule without moving its start', () => {
    const step = advanceSchedule(parse('R1//P'), NOW);
    expect(step).toMatchObject({ due: true, skipped: 0 });
    expect(step.next).toMatchObject({ repetitions: 0, start: NOW - 1000 });
  });

  it('skips sub-second periods by millis (Chronos would divide by zero)', () => {
    const step = advanceSchedule(parse('R/2024-06-01T11:59:59Z/PT0.5S'), NOW);
    expect(step.skipped).toBe(3);
    expect(step.next.start).toBe(NOW + 500);
  });
});

describe('skipForward (at launch)', () => {
  it('uses a repetition without moving a start that is not yet past (a manual run)', () => {
    const s = parse('R3/2024-06-02T00:00:00Z/P1D');
    expect(skipForward(s, NOW)).toEqual({ next: { ...s, repetitions: 2 }, skipped: 0 });
  });

  it('turns R0 into an infinite schedule, like Chronos (only a manual run launches R0)', () => {
    expect(skipForward(parse('R0/2024-05-31T00:00:00Z/PT0S'), NOW).next.repetitions).toBe(-1);
  });
});

describe('months and years (Joda calendar arithmetic)', () => {
  it('clamps the day of month, and the clamped day sticks', () => {
    expect(runs('R/2023-01-31T10:00:00Z/P1M', '', 3)).toEqual([
      'R/2023-02-28T10:00:00.000Z/P1M',
      'R/2023-03-28T10:00:00.000Z/P1M',
      'R/2023-04-28T10:00:00.000Z/P1M',
    ]);
    expect(runs('R/2024-01-31T10:00:00Z/P1M', '', 2)).toEqual([
      'R/2024-02-29T10:00:00.000Z/P1M',
      'R/2024-03-29T10:00:00.000Z/P1M',
    ]);
  });

  it('adds skipped months in one go (Jan 31 + P2M is Mar 31)', () => {
    const step = advanceSchedule(parse('R/2023-01-31T10:00:00Z/P1M'), at('2023-03-15T00:00:00Z'));
    expect(step.skipped).toBe(2);
    expect(formatSchedule(step.next)).toBe('R/2023-03-31T10:00:00.000Z/P1M');
  });

  it('can fall short after a long gap, leaving the start due again (Chronos measures a month from now)', () => {
    const late = at('2023-03-01T12:00:00Z');
    const first = advanceSchedule(parse('R/2023-01-01T00:00:00Z/P1M'), late);
    expect(first.next.start).toBe(at('2023-03-01T00:00:00Z'));
    const second = advanceSchedule(first.next, late);
    expect(second.due).toBe(true);
    expect(second.next.start).toBe(at('2023-04-01T00:00:00Z'));
  });

  it('moves Feb 29 to Feb 28 in a common year', () => {
    expect(runs('R/2024-02-29T00:00:00Z/P1Y', '', 2)).toEqual([
      'R/2025-02-28T00:00:00.000Z/P1Y',
      'R/2026-02-28T00:00:00.000Z/P1Y',
    ]);
  });

  it('steps weeks and mixed periods', () => {
    expect(runs('R/2024-06-03T08:00:00Z/P1W', '', 1)).toEqual(['R/2024-06-10T08:00:00.000Z/P1W']);
    expect(runs('R/2024-06-03T08:00:00Z/P1DT1H30M', '', 1)).toEqual(['R/2024-06-04T09:30:00.000Z/P1DT1H30M']);
  });
});

describe('daylight saving time', () => {
  const NY = 'America/New_York';
  const BERLIN = 'Europe/Berlin';

  it('keeps a daily job at its local time across both New York transitions', () => {
    expect(runs('R/2024-03-09T09:00:00/P1D', NY, 2)).toEqual([
      'R/2024-03-10T09:00:00.000-04:00/P1D',
      'R/2024-03-11T09:00:00.000-04:00/P1D',
    ]);
    expect(runs('R/2024-11-02T09:00:00/P1D', NY, 2)).toEqual([
      'R/2024-11-03T09:00:00.000-05:00/P1D',
      'R/2024-11-04T09:00:00.000-05:00/P1D',
    ]);
  });

  it('moves a daily 02:30 into 03:30 on the spring-forward day, and it stays there (Joda)', () => {
    expect(runs('R/2024-03-09T02:30:00/P1D', NY, 2)).toEqual([
      'R/2024-03-10T03:30:00.000-04:00/P1D',
      'R/2024-03-11T03:30:00.000-04:00/P1D',
    ]);
    expect(parse('R/2024-03-10T02:30:00/P1D', NY).start).toBe(at('2024-03-10T07:30:00Z'));
  });

  it('puts an ambiguous fall-back time at its first occurrence', () => {
    expect(runs('R/2024-11-02T01:30:00/P1D', NY, 2)).toEqual([
      'R/2024-11-03T01:30:00.000-04:00/P1D',
      'R/2024-11-04T01:30:00.000-05:00/P1D',
    ]);
    expect(parse('R/2024-11-03T01:30:00/P1D', NY).start).toBe(at('2024-11-03T05:30:00Z'));
  });

  it('counts hours as exact durations across the New York transitions', () => {
    expect(runs('R/2024-03-10T01:30:00/PT1H', NY, 2)).toEqual([
      'R/2024-03-10T03:30:00.000-04:00/PT1H',
      'R/2024-03-10T04:30:00.000-04:00/PT1H',
    ]);
    expect(runs('R/2024-11-03T00:30:00/PT1H', NY, 3)).toEqual([
      'R/2024-11-03T01:30:00.000-04:00/PT1H',
      'R/2024-11-03T01:30:00.000-05:00/PT1H',
      'R/2024-11-03T02:30:00.000-05:00/PT1H',
    ]);
  });

  it('re-reads a second-occurrence time as the first one, as Chronos does on its next loop', () => {
    const stored = 'R/2024-11-03T01:30:00.000-05:00/PT1H';
    expect(parse(stored, NY).start).toBe(at('2024-11-03T05:30:00Z'));
    expect(parse(stored).start).toBe(at('2024-11-03T06:30:00Z'));
  });

  it('keeps a daily job at its local time across both Berlin transitions', () => {
    expect(runs('R/2024-03-30T09:00:00/P1D', BERLIN, 2)).toEqual([
      'R/2024-03-31T09:00:00.000+02:00/P1D',
      'R/2024-04-01T09:00:00.000+02:00/P1D',
    ]);
    expect(runs('R/2024-10-26T09:00:00/P1D', BERLIN, 2)).toEqual([
      'R/2024-10-27T09:00:00.000+01:00/P1D',
      'R/2024-10-28T09:00:00.000+01:00/P1D',
    ]);
  });

  it('resolves Berlin’s gap forward and its overlap to the first occurrence', () => {
    expect(runs('R/2024-03-30T02:30:00/P1D', BERLIN, 1)).toEqual(['R/2024-03-31T03:30:00.000+02:00/P1D']);
    expect(runs('R/2024-10-26T02:30:00/P1D', BERLIN, 1)).toEqual(['R/2024-10-27T02:30:00.000+02:00/P1D']);
  });

  it('counts hours as exact durations across the Berlin transitions', () => {
    expect(runs('R/2024-03-31T01:30:00/PT1H', BERLIN, 1)).toEqual(['R/2024-03-31T03:30:00.000+02:00/PT1H']);
    expect(runs('R/2024-10-27T01:30:00/PT1H', BERLIN, 2)).toEqual([
      'R/2024-10-27T02:30:00.000+02:00/PT1H',
      'R/2024-10-27T02:30:00.000+01:00/PT1H',
    ]);
  });

  it('skips missed daily runs in local days across a transition', () => {
    const step = advanceSchedule(parse('R/2024-03-08T09:00:00/P1D', NY), at('2024-03-12T12:00:00Z'));
    expect(step.skipped).toBe(4);
    expect(formatSchedule(step.next)).toBe('R/2024-03-12T09:00:00.000-04:00/P1D');
  });

  it('can fall an hour short after a spring-forward gap, leaving the run due again (as Chronos)', () => {
    const late = at('2024-03-12T13:30:00Z'); // 09:30 EDT: 3 days 23.5 hours after the start
    const first = advanceSchedule(parse('R/2024-03-08T09:00:00/P1D', NY), late);
    expect(formatSchedule(first.next)).toBe('R/2024-03-12T09:00:00.000-04:00/P1D');
    const second = advanceSchedule(first.next, late);
    expect(second.due).toBe(true);
    expect(formatSchedule(second.next)).toBe('R/2024-03-13T09:00:00.000-04:00/P1D');
  });

  it('adds a day in local time and then hours exactly', () => {
    const zone = resolveTimeZone(NY)!;
    const start = at('2024-03-09T06:00:00Z'); // 01:00 EST
    expect(formatDateTime(addPeriod(start, zone, parsePeriod('P1DT1H')), zone)).toBe(
      '2024-03-10T03:00:00.000-04:00',
    );
  });
});
