// The package version, for `sandbox version`, image tags and cluster records.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  // dist/src/version.js and src/version.ts are both two levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
