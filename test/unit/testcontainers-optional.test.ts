// testcontainers is an optional peer dependency: only the ./testing/testcontainers entry may load it.
// Follows the relative imports (static and dynamic) from each package entry through the sources.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<
  string,
  string
>;
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g;

/** The packages an entry loads, with every relative module it reaches. */
function packagesReached(entry: string): Set<string> {
  const start = resolve(root, entry.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')));
      else packages.add(spec!);
    }
  };
  visit(start);
  return packages;
}

const loadsTestcontainers = (packages: Set<string>): boolean =>
  [...packages].some(
    (p) => p === 'testcontainers' || p.startsWith('testcontainers/') || p.startsWith('@testcontainers/'),
  );

describe('the optional testcontainers dependency', () => {
  it('is loaded by the testcontainers entry', () => {
    expect(loadsTestcontainers(packagesReached(exportsMap['./testing/testcontainers']!))).toBe(true);
  });

  it.each(Object.keys(exportsMap).filter((e) => e !== './testing/testcontainers'))(
    'is not loaded by %s',
    (entry) => {
      expect(loadsTestcontainers(packagesReached(exportsMap[entry]!))).toBe(false);
    },
  );
});
