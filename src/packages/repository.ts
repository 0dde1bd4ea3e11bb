// Where packages are found: the packages shipped in fixtures/packages/, then every directory in
// $SANDBOX_PACKAGE_PATH (colon-separated; one subdirectory per package, as in fixtures/packages).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PackageError, parsePackage, type PackageFiles, type SandboxPackage } from './package.js';

const FILES = [
  'package.json',
  'config.json',
  'resource.json',
  'marathon.json.mustache',
  'chronos.json.mustache',
];

/** fixtures/packages of this checkout or install: found upwards from this module (src/ or dist/src/). */
export function builtinPackagesDir(): string | undefined {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'fixtures', 'packages');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The package directories searched, first match wins: the built-in ones, then $SANDBOX_PACKAGE_PATH. */
export function packageRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.SANDBOX_PACKAGE_PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => resolve(d));
  const builtin = builtinPackagesDir();
  return [...(builtin ? [builtin] : []), ...extra];
}

export function loadPackage(dir: string): SandboxPackage {
  const files: PackageFiles = {};
  for (const file of FILES) {
    const path = join(dir, file);
    if (existsSync(path)) files[file] = readFileSync(path, 'utf8');
  }
  return parsePackage(resolve(dir), files);
}

function packageDirs(roots: string[]): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root).sort()) {
      const dir = join(root, entry);
      if (!dirs.has(entry) && statSync(dir).isDirectory() && existsSync(join(dir, 'package.json')))
        dirs.set(entry, dir);
    }
  }
  return dirs;
}

export interface PackageListing {
  packages: SandboxPackage[];
  /** Packages that could not be loaded, with why; they do not hide the others. */
  broken: Array<{ dir: string; error: string }>;
}

export function listPackages(roots: string[] = packageRoots()): PackageListing {
  const listing: PackageListing = { packages: [], broken: [] };
  for (const dir of packageDirs(roots).values()) {
    try {
      listing.packages.push(loadPackage(dir));
    } catch (e) {
      listing.broken.push({ dir, error: (e as Error).message });
    }
  }
  return listing;
}

export function findPackage(name: string, roots: string[] = packageRoots()): SandboxPackage {
  const dirs = packageDirs(roots);
  const dir = dirs.get(name);
  if (!dir) {
    const known = [...dirs.keys()].join(', ') || 'none';
    throw new PackageError(`unknown package '${name}' (known packages: ${known})`);
  }
  return loadPackage(dir);
}
