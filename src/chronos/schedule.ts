// Chronos 3.0.x schedules: ISO 8601 repeating intervals `R[n]/<start>/<period>`, parsed, advanced and
// re-serialised the way Chronos does it with Joda-Time (Iso8601Expressions, JobUtils.skipForward).
// This file owns periods (Joda's standard format and DateTime.plus(Period)) and the schedule itself;
// time zones, wall-clock conversion and date-time text live in zone-time.ts, which knows nothing of
// schedules. Pure: every "now" is passed in, in ms since the epoch.

import {
  addMonths,
  DAY,
  formatDateTime,
  fromLocal,
  HOUR,
  MINUTE,
  parseDateTime,
  resolveTimeZone,
  SECOND,
  toLocal,
  UTC,
  WEEK,
  type ScheduleZone,
} from './zone-time.js';

/** A Joda standard period: calendar fields (years to days) and exact ones (hours to millis). */
export interface Period {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly millis: number;
}

export interface Schedule {
  /** Remaining runs; -1 for an infinite `R`. */
  readonly repetitions: number;
  /** The next run, ms since the epoch. */
  readonly start: number;
  /** Calendar arithmetic and printing happen in this zone. */
  readonly zone: ScheduleZone;
  readonly period: Period;
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

// ---------------------------------------------------------------------------------------------------
// Periods: Joda's ISOPeriodFormat.standard, PnYnMnWnDTnHnMnS with an optional fraction on seconds.

const PERIOD =
  /^P(?:([+-]?\d+)Y)?(?:([+-]?\d+)M)?(?:([+-]?\d+)W)?(?:([+-]?\d+)D)?(?:(T)(?:([+-]?\d+)H)?(?:([+-]?\d+)M)?(?:([+-]?\d*)(?:[.,](\d*))?S)?)?$/i;

/**
 * Parses an ISO 8601 period as Joda's ISOPeriodFormat.standard (`P1D`, `PT1H30M`, `PT0.5S`, `P` for
 * zero). Unlike Joda, negative fields are refused: Chronos would skip a negative period backwards and
 * run the job on every loop.
 */
export function parsePeriod(text: string): Period {
  const fail = (why: string): never => {
    throw new ScheduleError(`'${text}' is not an ISO 8601 period such as PT1H, P1D or P1M: ${why}`);
  };
  const m = PERIOD.exec(text);
  if (!m) return fail('expected P[n]Y[n]M[n]W[n]D[T[n]H[n]M[n]S] in that order');
  const secondsGiven = m[8] !== undefined;
  if (m[5] && m[6] === undefined && m[7] === undefined && !secondsGiven) fail("nothing follows 'T'");
  if (secondsGiven && !/\d/.test(m[8]! + (m[9] ?? ''))) fail('the seconds have no digits');
  const int = (s: string | undefined): number => {
    if (s?.startsWith('-')) fail('negative periods are not supported');
    const n = s === undefined || s === '' || s === '+' ? 0 : Number(s);
    if (n > 2 ** 31 - 1) fail(`${s} does not fit a 32-bit integer`);
    return n;
  };
  const fraction = (m[9] ?? '').slice(0, 3);
  return {
    years: int(m[1]),
    months: int(m[2]),
    weeks: int(m[3]),
    days: int(m[4]),
    hours: int(m[6]),
    minutes: int(m[7]),
    seconds: int(m[8]),
    millis: fraction === '' ? 0 : Number(fraction.padEnd(3, '0')),
  };
}

/** Joda's ISOPeriodFormat.standard printer: zero fields are left out, an all-zero period is `PT0S`. */
export function formatPeriod(p: Period): string {
  const date = [
    p.years && `${p.years}Y`,
    p.months && `${p.months}M`,
    p.weeks && `${p.weeks}W`,
    p.days && `${p.days}D`,
  ];
  const secondsMs = p.seconds * SECOND + p.millis;
  const millis = secondsMs % SECOND;
  const seconds = secondsMs
    ? `${Math.trunc(secondsMs / SECOND)}${millis ? `.${String(millis).padStart(3, '0')}` : ''}S`
    : '';
  const time = [p.hours && `${p.hours}H`, p.minutes && `${p.minutes}M`, seconds].filter(Boolean).join('');
  const text = `P${date.filter(Boolean).join('')}${time ? `T${time}` : ''}`;
  return text === 'P' ? 'PT0S' : text;
}

function isZero(p: Period): boolean {
  return Object.values(p).every((v) => v === 0);
}

function times(p: Period, k: number): Period {
  return {
    years: p.years * k,
    months: p.months * k,
    weeks: p.weeks * k,
    days: p.days * k,
    hours: p.hours * k,
    minutes: p.minutes * k,
    seconds: p.seconds * k,
    millis: p.millis * k,
  };
}

/**
 * `instant` plus `period` as Joda's DateTime.plus(Period) in `zone`: years, months, weeks and days
 * move the wall clock (a daily 02:30 stays 02:30 across DST), one field at a time in that order;
 * hours, minutes, seconds and millis are exact durations.
 */
export function addPeriod(instant: number, zone: ScheduleZone, period: Period): number {
  const calendar: Array<[number, (local: number, n: number) => number]> = [
    [period.years, (local, n) => addMonths(local, 12 * n)],
    [period.months, addMonths],
    [period.weeks, (local, n) => local + n * WEEK],
    [period.days, (local, n) => local + n * DAY],
  ];
  let t = instant;
  for (const [n, add] of calendar) if (n !== 0) t = fromLocal(zone, add(toLocal(zone, t), n));
  return t + period.hours * HOUR + period.minutes * MINUTE + period.seconds * SECOND + period.millis;
}

// ---------------------------------------------------------------------------------------------------
// Schedules.

const SCHEDULE = /^(R[0-9]*)\/(.*)\/(P.*)$/;

/**
 * Parses `R[n]/<start>/<period>` as Chronos's Iso8601Expressions.parse. An empty start means one
 * second before `now` (at UTC, whatever the time zone). A non-empty `timeZone` (scheduleTimeZone)
 * keeps the start's wall-clock fields and reinterprets them in that zone, overriding any offset in the
 * text (Joda's withZoneRetainFields); an id Java does not know means UTC. A start without an offset is
 * read at UTC (Chronos reads it in the JVM's default zone, UTC in its images).
 */
export function parseSchedule(text: string, timeZone: string, now: number): Schedule {
  const m = SCHEDULE.exec(text);
  if (!m)
    throw new ScheduleError(`Schedule '${text}' is not of the form R[n]/<ISO 8601 start>/<ISO 8601 period>`);
  const [, repeatText, startText, periodText] = m as unknown as [string, string, string, string];
  const repetitions = repeatText.length === 1 ? -1 : Number(repeatText.slice(1));
  if (!Number.isSafeInteger(repetitions))
    throw new ScheduleError(`Schedule '${text}': the repetition count ${repeatText.slice(1)} is too large`);
  const within = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      throw new ScheduleError(`Schedule '${text}': ${(e as Error).message}`);
    }
  };
  const period = within(() => parsePeriod(periodText));
  if (startText === '') return { repetitions, start: now - SECOND, zone: UTC, period };
  const parsed = within(() => parseDateTime(startText));
  if (timeZone) {
    const zone = resolveTimeZone(timeZone) ?? UTC;
    return { repetitions, start: fromLocal(zone, parsed.local), zone, period };
  }
  const zone: ScheduleZone = parsed.offsetMs === null ? UTC : { kind: 'fixed', offsetMs: parsed.offsetMs };
  return { repetitions, start: parsed.local - (parsed.offsetMs ?? 0), zone, period };
}

/** Chronos's Iso8601Expressions.create: `R5/2024-03-10T02:30:00.000-05:00/P1D`, `R/...` if infinite. */
export function formatSchedule(s: Schedule): string {
  const repeat = s.repetitions === -1 ? 'R' : `R${s.repetitions}`;
  return `${repeat}/${formatDateTime(s.start, s.zone)}/${formatPeriod(s.period)}`;
}

/** When the job runs next, or null once no repetitions remain (R0). */
export function nextRunAt(s: Schedule): number | null {
  return s.repetitions === 0 ? null : s.start;
}

/** The 3.x main loop's test: a run is due once the start is strictly in the past and runs remain. */
export function isDue(s: Schedule, now: number): boolean {
  return s.repetitions !== 0 && s.start < now;
}

// JobUtils.calculateSkips: how many periods bring the start past `now`. Months and years are measured
// by the length of one period from `now` (at UTC), so after a long gap the result can fall short and
// leave the start in the past; Chronos then runs the job again on its next loop, and so do we.
function periodsToSkip(s: Schedule, now: number): number {
  if (!(s.start < now) || isZero(s.period)) return 0;
  const elapsedSeconds = Math.trunc((now - s.start) / SECOND);
  const p = s.period;
  const periodMs =
    p.years === 0 && p.months === 0
      ? p.weeks * WEEK + p.days * DAY + p.hours * HOUR + p.minutes * MINUTE + p.seconds * SECOND + p.millis
      : addPeriod(now, UTC, p) - now;
  const periodSeconds = Math.trunc(periodMs / SECOND);
  // Chronos divides by zero for sub-second periods (and never advances); we count in millis instead.
  if (periodSeconds === 0) return Math.trunc((now - s.start) / periodMs) + 1;
  return Math.trunc(elapsedSeconds / periodSeconds) + 1;
}

export interface SkipResult {
  /** The schedule to store: start moved past now, one repetition used. */
  readonly next: Schedule;
  /** How many periods the start moved forward (Chronos's "Skipped forward N iterations"). */
  readonly skipped: number;
}

/**
 * JobUtils.skipForward, done when a run is launched: the start moves forward by whole periods until
 * it is after `now` (missed runs are collapsed into this one, never caught up) and a finite count
 * drops by one, whatever the number of periods skipped. Like Chronos, R0 drops to -1 (infinite): only
 * a manual run can launch an R0 job.
 */
export function skipForward(s: Schedule, now: number): SkipResult {
  const skipped = periodsToSkip(s, now);
  const start = skipped === 0 ? s.start : addPeriod(s.start, s.zone, times(s.period, skipped));
  const repetitions = s.repetitions === -1 ? -1 : s.repetitions - 1;
  return { next: { ...s, start, repetitions }, skipped };
}

export interface ScheduleAdvance extends SkipResult {
  /** Whether the job runs now. */
  readonly due: boolean;
}

/**
 * One scheduler tick at `now`: if the run is due it runs once and the schedule skips forward,
 * otherwise nothing changes. Chronos 3.x has no epsilon: however late, a due run runs (once).
 */
export function advanceSchedule(s: Schedule, now: number): ScheduleAdvance {
  if (!isDue(s, now)) return { due: false, next: s, skipped: 0 };
  return { due: true, ...skipForward(s, now) };
}
