// Mesos's JSON rules that differ from plain JSON.parse: `null` means "absent" (npm mesos-framework
// sends every unset field as null), and unknown keys are ignored.

/** Removes null-valued object keys (recursively) so validation sees them as absent. */
export function stripNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map((v) => stripNulls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== null) out[k] = stripNulls(v);
    }
    return out as T;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
