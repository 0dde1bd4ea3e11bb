// Byte sizes as Mesos flags write them (stout's Bytes): `2GB`, `512MB`, `100KB`, `10B`, powers of 1024.

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)\s*$/i.exec(text);
  if (!m) throw new Error(`Invalid byte size '${text}' (expected e.g. 512MB, 2GB)`);
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}
