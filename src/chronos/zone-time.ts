// Time zones and ISO 8601 date-times as Chronos sees them through Java and Joda-Time: which zone a
// scheduleTimeZone names, the offset in force at an instant, wall-clock <-> instant conversion (DST gaps
// and overlaps resolved as Joda does), and Joda's ISO date-time parser and printer. schedule.ts builds
// schedules and their period arithmetic on top of this; nothing here knows about schedules or periods.
// Pure: no clock is read.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** The zone a schedule's start lives in: a fixed UTC offset, or a tz database region. */
export type ScheduleZone =
  { readonly kind: 'fixed'; readonly offsetMs: number } | { readonly kind: 'region'; readonly id: string };

export const UTC: ScheduleZone = { kind: 'fixed', offsetMs: 0 };

/** A date-time text that Joda's ISO parser would refuse (parseSchedule rewraps it as a ScheduleError). */
export class DateTimeError extends Error {
  override name = 'DateTimeError';
}

// ---------------------------------------------------------------------------------------------------
// Time zones. scheduleTimeZone goes through java.util.TimeZone.getTimeZone (unknown ids silently become
// GMT) and then Joda's DateTimeZone.forTimeZone (which maps Java's legacy three-letter ids first).

// prettier-ignore
const JODA_LEGACY_IDS: Readonly<Record<string, string>> = {
  GMT: 'UTC', WET: 'WET', CET: 'CET', MET: 'CET', ECT: 'CET', EET: 'EET', MIT: 'Pacific/Apia',
  HST: 'Pacific/Honolulu', AST: 'America/Anchorage', PST: 'America/Los_Angeles', MST: 'America/Denver',
  PNT: 'America/Phoenix', CST: 'America/Chicago', EST: 'America/New_York',
  IET: 'America/Indiana/Indianapolis', PRT: 'America/Puerto_Rico', CNT: 'America/St_Johns',
  AGT: 'America/Argentina/Buenos_Aires', BET: 'America/Sao_Paulo', ART: 'Africa/Cairo',
  CAT: 'Africa/Harare', EAT: 'Africa/Addis_Ababa', NET: 'Asia/Yerevan', PLT: 'Asia/Karachi',
  IST: 'Asia/Kolkata', BST: 'Asia/Dhaka', VST: 'Asia/Ho_Chi_Minh', CTT: 'Asia/Shanghai',
  JST: 'Asia/Tokyo', ACT: 'Australia/Darwin', AET: 'Australia/Sydney', SST: 'Pacific/Guadalcanal',
  NST: 'Pacific/Auckland',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function regionFormatter(id: string): Intl.DateTimeFormat {
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(id, f);
  }
  return f;
}

/**
 * The zone Chronos uses for a `scheduleTimeZone`, or undefined when Java does not know the id (Chronos
 * then silently uses UTC). Java ids are case-sensitive; `GMT+5`, `GMT-08:00` are fixed offsets.
 */
export function resolveTimeZone(name: string): ScheduleZone | undefined {
  if (name === 'UTC') return UTC;
  const legacy = JODA_LEGACY_IDS[name];
  if (legacy) return legacy === 'UTC' ? UTC : { kind: 'region', id: legacy };
  if (name.startsWith('GMT+') || name.startsWith('GMT-')) return javaCustomOffset(name);
  try {
    const resolved = regionFormatter(name).resolvedOptions().timeZone;
    // Intl ignores case where Java does not: 'america/new_york' is unknown to Java.
    if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return undefined;
    return resolved === 'UTC' ? UTC : { kind: 'region', id: name };
  } catch {
    return undefined;
  }
}

// java.util.TimeZone's custom ids: GMT±h, GMT±hh, GMT±hhmm, GMT±h:mm, GMT±hh:mm.
function javaCustomOffset(name: string): ScheduleZone | undefined {
  const m = /^GMT([+-])(?:(\d{1,2}):(\d{2})|(\d{1,4}))$/.exec(name);
  if (!m) return undefined;
  let hours: number;
  let minutes: number;
  if (m[2] !== undefined) [hours, minutes] = [Number(m[2]), Number(m[3])];
  else if (m[4]!.length <= 2) [hours, minutes] = [Number(m[4]), 0];
  else [hours, minutes] = [Math.floor(Number(m[4]) / 100), Number(m[4]) % 100];
  if (hours > 23 || minutes > 59) return undefined;
  const offsetMs = (m[1] === '-' ? -1 : 1) * (hours * HOUR + minutes * MINUTE);
  return offsetMs === 0 ? UTC : { kind: 'fixed', offsetMs };
}

/** UTC offset in force at an instant. */
export function offsetAt(zone: ScheduleZone, instant: number): number {
  if (zone.kind === 'fixed') return zone.offsetMs;
  const f: Record<string, string> = {};
  for (const p of regionFormatter(zone.id).formatToParts(instant)) f[p.type] = p.value;
  const year = f.era === 'BC' ? 1 - Number(f.year) : Number(f.year);
  const wall = utcMs(year, Number(f.month), Number(f.day), Number(f.hour) * HOUR + Number(f.minute) * MINUTE);
  return wall + Number(f.second) * SECOND - (instant - mod(instant, SECOND));
}

/**
 * Joda's DateTimeZone.getOffsetFromLocal: the offset to subtract from a wall-clock time. In an overlap
 * it picks the earlier instant; in a gap the offset before the gap, which moves the time forward by the
 * gap (02:30 on a spring-forward night becomes 03:30).
 */
function offsetFromLocal(zone: ScheduleZone, local: number): number {
  if (zone.kind === 'fixed') return zone.offsetMs;
  // Offsets are within ±18 h, so these two instants bracket every candidate; DST transitions are
  // months apart, so at most one lies between them.
  const before = offsetAt(zone, local - DAY);
  const after = offsetAt(zone, local + DAY);
  if (before === after) return before;
  if (offsetAt(zone, local - before) === before) return before;
  if (offsetAt(zone, local - after) === after) return after;
  return before;
}

/** The wall-clock time (ms since the epoch as if the wall clock were UTC) at an instant. */
export const toLocal = (zone: ScheduleZone, instant: number): number => instant + offsetAt(zone, instant);

/** The instant of a wall-clock time, gaps and overlaps resolved as Joda's getOffsetFromLocal does. */
export const fromLocal = (zone: ScheduleZone, local: number): number => local - offsetFromLocal(zone, local);

// ---------------------------------------------------------------------------------------------------
// Calendar arithmetic on wall-clock times (ms since the epoch as if the wall clock were UTC).

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** ms of a proleptic Gregorian date at UTC (Date.UTC maps years 0-99 to 1900-1999; this does not). */
function utcMs(year: number, month: number, day: number, msOfDay = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() + msOfDay;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** Joda's month (and year) addition on a wall-clock time: the day of month is clamped to the new month's length. */
export function addMonths(local: number, months: number): number {
  const d = new Date(local);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return utcMs(year, month, day, mod(local, DAY));
}

// ---------------------------------------------------------------------------------------------------
// Date-times: Joda's ISODateTimeFormat.dateTimeParser (what DateTime.parse uses) and dateTime printer.

export interface ParsedDateTime {
  /** The wall-clock fields, as ms since the epoch at UTC. */
  readonly local: number;
  /** The offset written in the text, or null when it had none. */
  readonly offsetMs: number | null;
}

const YEAR = '([+-]?\\d{1,9})';
const CALENDAR_DATE = new RegExp(`^${YEAR}(?:-(\\d{1,2})(?:-(\\d{1,2}))?)?$`);
const ORDINAL_DATE = new RegExp(`^${YEAR}-(\\d{1,3})$`);
const WEEK_DATE = new RegExp(`^${YEAR}-[Ww](\\d{1,2})(?:-(\\d))?$`);
const TIME = /^(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?|[.,](\d{1,9}))?|[.,](\d{1,9}))?$/;
const OFFSET = /^(?:[Zz]|([+-])(\d{2})(?::?(\d{2})(?::(\d{2})(?:[.,](\d{3}))?)?)?)$/;

/**
 * Parses an ISO 8601 date-time the way Joda's DateTime.parse does: calendar (2024-03-10), ordinal
 * (2024-070) or week (2024-W10-7) dates, an optional time with fractions, an optional offset. Throws a
 * DateTimeError when the text is not one.
 */
export function parseDateTime(text: string): ParsedDateTime {
  const fail = (): never => {
    throw new DateTimeError(`'${text}' is not an ISO 8601 date-time such as 2024-03-10T02:30:00Z`);
  };
  const t = text.search(/[Tt]/);
  const datePart = t < 0 ? text : text.slice(0, t);
  const rest = t < 0 ? null : text.slice(t + 1);
  let local = t === 0 ? 0 : (parseDate(datePart) ?? fail()); // a bare "T10:00" is a time on 1970-01-01
  let offsetMs: number | null = null;
  if (rest !== null) {
    const o = rest.search(/[Zz+-]/);
    const timePart = o < 0 ? rest : rest.slice(0, o);
    if (timePart !== '') local += parseTime(timePart) ?? fail();
    else if (t === 0) fail();
    if (o >= 0) offsetMs = parseOffset(rest.slice(o)) ?? fail();
  }
  if (!Number.isFinite(local) || Math.abs(local) > 8.64e15 - 2 * DAY) fail();
  return { local, offsetMs };
}

function parseDate(text: string): number | undefined {
  let m = CALENDAR_DATE.exec(text);
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    return utcMs(year, month, day);
  }
  if ((m = ORDINAL_DATE.exec(text))) {
    const [year, dayOfYear] = [Number(m[1]), Number(m[2])];
    const length = utcMs(year + 1, 1, 1) - utcMs(year, 1, 1);
    if (dayOfYear < 1 || (dayOfYear - 1) * DAY >= length) return undefined;
    return utcMs(year, 1, dayOfYear);
  }
  if ((m = WEEK_DATE.exec(text))) {
    // Without a day Joda keeps the day of week of its base date 1970-01-01, a Thursday.
    const [weekyear, week, weekday] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 4)];
    const week1Monday = (y: number) =>
      utcMs(y, 1, 4) - mod(new Date(utcMs(y, 1, 4)).getUTCDay() - 1, 7) * DAY;
    const weeks = (week1Monday(weekyear + 1) - week1Monday(weekyear)) / WEEK;
    if (week < 1 || week > weeks || weekday < 1 || weekday > 7) return undefined;
    return week1Monday(weekyear) + ((week - 1) * 7 + weekday - 1) * DAY;
  }
  return undefined;
}

// Joda's fraction parser: the digits as a fraction of the unit, truncated to whole millis.
function fractionMs(digits: string, unitMs: number): number {
  let value = 0;
  let n = unitMs * 10;
  for (const c of digits) {
    n = Math.floor(n / 10);
    value += Number(c) * n;
  }
  return Math.floor(value / 10);
}

function parseTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return undefined; // Joda is strict: no 24:00, no leap second
  const fraction =
    m[4] !== undefined
      ? fractionMs(m[4], SECOND)
      : m[5] !== undefined
        ? fractionMs(m[5], MINUTE)
        : m[6] !== undefined
          ? fractionMs(m[6], HOUR)
          : 0;
  return h * HOUR + min * MINUTE + s * SECOND + fraction;
}

function parseOffset(text: string): number | undefined {
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  if (m[1] === undefined) return 0;
  const [h, min, s, ms] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0), Number(m[5] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * HOUR + min * MINUTE + s * SECOND + ms);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const abs = Math.abs(offsetMs);
  let text = `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(abs / HOUR), 2)}:${pad(Math.floor(abs / MINUTE) % 60, 2)}`;
  if (abs % MINUTE !== 0) text += `:${pad(Math.floor(abs / SECOND) % 60, 2)}`;
  if (abs % SECOND !== 0) text += `.${pad(abs % SECOND, 3)}`;
  return text;
}

/** Joda's ISODateTimeFormat.dateTime in `zone`: `2024-03-10T02:30:00.000-05:00`, `...000Z` at UTC. */
export function formatDateTime(instant: number, zone: ScheduleZone): string {
  const offset = offsetAt(zone, instant);
  const d = new Date(instant + offset);
  const year = d.getUTCFullYear();
  const yearText = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  const date = `${yearText}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${date}T${time}.${pad(d.getUTCMilliseconds(), 3)}${formatOffset(offset)}`;
}
