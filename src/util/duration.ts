// Mesos-style durations as its flags take them: `1secs`, `100ms`, `5mins`, `2hrs`, `1days`,
// `1weeks`, `500us`, `10ns`; a bare number is seconds.
const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  sec: 1000,
  s: 1000,
  mins: 60_000,
  min: 60_000,
  hrs: 3_600_000,
  hr: 3_600_000,
  days: 86_400_000,
  day: 86_400_000,
  weeks: 604_800_000,
  week: 604_800_000,
};

/** Milliseconds of a duration text; throws with the text in the message when it is not one. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/.exec(text);
  if (!m) throw new Error(`Invalid duration '${text}': expected e.g. 1secs, 500ms, 5mins`);
  const unit = m[2] === '' ? 'secs' : m[2]!;
  const factor = UNITS[unit];
  if (factor === undefined)
    throw new Error(
      `Invalid duration '${text}': unknown unit '${unit}' (ns, us, ms, secs, mins, hrs, days, weeks)`,
    );
  return Number(m[1]) * factor;
}
