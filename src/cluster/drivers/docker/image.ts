// The node image: the base (base-image.ts) plus an app layer with this machine's Node binary (Debian
// bookworm's nodejs is 18; we need >= 20), the package's dist/ and its production node_modules, and
// `sandbox-node` on the PATH. The image carries a hash of what it ships, so ensureImage rebuilds
// only when the code changed, and then only the app layer (the base stays cached).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { pack as tarPack, type Headers } from 'tar-fs';
import { DriverUnavailableError } from '../driver.js';
import { BASE_IMAGE, ensureBaseImage, followProgress, imageLabels, type StepFn } from './base-image.js';

export const PACKAGE_NAME = 'mesos-sandbox';
export const LABEL_CODE_HASH = 'sandbox.code-hash';
/** Inside the image. */
export const APP_DIR = '/opt/mesos-sandbox';

type Pack = NonNullable<NonNullable<Parameters<typeof tarPack>[1]>['pack']>;

/**
 * Runtime dependencies only the host side uses: `sandbox shell` (node-pty) and building the image
 * (tar-fs). dockerode ships: agents run DOCKER tasks through it.
 */
const HOST_ONLY_DEPENDENCIES = new Set(['node-pty', 'tar-fs']);

/** The directory holding this package's package.json (works from src/ under vitest and from dist/). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // Not a readable package.json; keep looking.
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package above ${from}`);
  }
}

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;

/** The node image, one tag per package version. */
export const IMAGE_NAME = `${PACKAGE_NAME}:${PACKAGE_VERSION}`;

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent's node_modules, up to `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * The installed directories of the production dependencies' closure, minus the host-only ones
 * (and what only they use). Missing optional dependencies are skipped; a missing required one is
 * an error, since the node would fail to import it.
 */
export function productionModuleDirs(
  root: string,
  exclude: ReadonlySet<string> = HOST_ONLY_DEPENDENCIES,
): string[] {
  const found = new Set<string>();
  const visit = (fromDir: string, deps: Record<string, string>, optional: Record<string, string>): void => {
    for (const name of [...Object.keys(deps), ...Object.keys(optional)]) {
      if (fromDir === root && exclude.has(name)) continue;
      const dir = resolvePackageDir(name, fromDir, root);
      if (!dir) {
        if (name in deps && !(name in optional)) {
          throw new Error(`dependency '${name}' is not installed under ${root}: run npm ci`);
        }
        continue;
      }
      if (found.has(dir)) continue;
      found.add(dir);
      const pkg = readPackageJson(dir);
      visit(dir, pkg.dependencies ?? {}, pkg.optionalDependencies ?? {});
    }
  };
  const pkg = readPackageJson(root);
  visit(root, pkg.dependencies ?? {}, pkg.optionalDependencies ?? {});
  return [...found].sort();
}

export interface AppLayer {
  root: string;
  nodeBinary: string;
  /** Absolute source path -> path in the build context. */
  sources: Array<{ from: string; to: string }>;
  dockerfile: string;
  /** Changes whenever anything the layer ships changes. */
  hash: string;
}

const DIST_DIRS = ['dist/src', 'dist/cli'];

function walkFiles(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walkFiles(p, out);
    else out.push(p);
  }
}

export function appDockerfile(baseImage: string): string {
  return [
    `FROM ${baseImage}`,
    // Least often changed first, so a code change rebuilds only the last layers.
    'COPY node /usr/local/bin/node',
    `COPY app/node_modules ${APP_DIR}/node_modules`,
    `COPY app/package.json ${APP_DIR}/package.json`,
    `COPY app/dist ${APP_DIR}/dist`,
    'COPY bin/ /usr/local/bin/',
    'ENV NODE_ENV=production',
    `WORKDIR ${APP_DIR}`,
    'CMD ["sandbox-node", "--help"]',
    '',
  ].join('\n');
}

const WRAPPERS: Record<string, string> = {
  'bin/sandbox-node': `#!/bin/sh\nexec /usr/local/bin/node ${APP_DIR}/dist/src/node/main.js "$@"\n`,
  'bin/sandbox': `#!/bin/sh\nexec /usr/local/bin/node ${APP_DIR}/dist/cli/sandbox.js "$@"\n`,
};

/** What the app layer ships, and its hash (the base image's id is part of it). */
export function describeAppLayer(baseImageId: string, root: string = packageRoot()): AppLayer {
  const main = join(root, 'dist/src/node/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first`);
  const nodeBinary = realpathSync(process.execPath);
  const dockerfile = appDockerfile(BASE_IMAGE);
  const sources: AppLayer['sources'] = [
    { from: nodeBinary, to: 'node' },
    { from: join(root, 'package.json'), to: 'app/package.json' },
  ];
  const hash = createHash('sha256');
  hash.update(`base ${baseImageId}\n${dockerfile}\n${JSON.stringify(WRAPPERS)}\n`);
  const nodeStat = statSync(nodeBinary);
  hash.update(`node ${process.version} ${process.arch} ${nodeStat.size} ${nodeStat.mtimeMs}\n`);
  hash.update(readFileSync(join(root, 'package.json')));
  for (const d of DIST_DIRS) {
    const dir = join(root, d);
    if (!existsSync(dir)) continue;
    sources.push({ from: dir, to: `app/${d}` });
    const files: string[] = [];
    walkFiles(dir, files);
    for (const f of files.sort()) {
      hash.update(`\n${relative(root, f)}\n`);
      hash.update(readFileSync(f));
    }
  }
  for (const dir of productionModuleDirs(root)) {
    const rel = relative(root, dir);
    sources.push({ from: dir, to: `app/${rel}` });
    const pkg = readPackageJson(dir);
    hash.update(`\n${rel} ${pkg.version ?? '?'}`);
  }
  return { root, nodeBinary, sources, dockerfile, hash: hash.digest('hex').slice(0, 16) };
}

/**
 * The build context as a tar stream: each source under its context path, then Dockerfile and bin/.
 * tar-fs packs one directory tree at a time, so the sources are appended to one pack in turn.
 */
export function appBuildContext(layer: AppLayer): NodeJS.ReadableStream {
  const moduleDirs = new Set(
    layer.sources.filter((s) => s.to.startsWith('app/node_modules')).map((s) => s.from),
  );
  // A package's nested node_modules: whatever of it is needed is in `sources` on its own.
  const ignore = (name: string): boolean =>
    name.endsWith(`${sep}node_modules`) && moduleDirs.has(dirname(name));
  const packSource = (i: number, into?: Pack): Pack => {
    const source = layer.sources[i]!;
    const base = basename(source.from);
    return tarPack(dirname(source.from), {
      ...(into ? { pack: into } : {}),
      entries: [base],
      ignore,
      map: (header: Headers) => {
        header.name = source.to + header.name.slice(base.length);
        header.uid = 0;
        header.gid = 0;
        return header;
      },
      finalize: false,
      finish: (p) => {
        if (i + 1 < layer.sources.length) {
          packSource(i + 1, p);
          return;
        }
        p.entry({ name: 'Dockerfile' }, layer.dockerfile);
        for (const [name, text] of Object.entries(WRAPPERS)) p.entry({ name, mode: 0o755 }, text);
        p.finalize();
      },
    });
  };
  return packSource(0) as unknown as NodeJS.ReadableStream;
}

export interface EnsureImageOptions {
  onStep?: StepFn;
  /** Rebuild the app layer even when its hash matches. */
  rebuild?: boolean;
  /** Also rebuild the base (debootstrap) image. */
  rebuildBase?: boolean;
}

/** Makes sure IMAGE_NAME holds the current code; builds what is missing or stale. Returns the image name. */
export async function ensureImage(docker: Dockerode, opts: EnsureImageOptions = {}): Promise<string> {
  const step = opts.onStep ?? (() => {});
  const baseId = await ensureBaseImage(docker, { onStep: step, rebuild: opts.rebuildBase ?? false });
  const layer = describeAppLayer(baseId);
  const labels = await imageLabels(docker, IMAGE_NAME);
  if (!opts.rebuild && labels?.[LABEL_CODE_HASH] === layer.hash) return IMAGE_NAME;
  const previous = labels ? (await docker.getImage(IMAGE_NAME).inspect()).Id : null;
  step(`Building image ${IMAGE_NAME}`);
  const context = appBuildContext(layer);
  // A file that cannot be read fails the context stream; that must fail the build, not the process.
  const contextFailed = new Promise<never>((_, reject) =>
    context.on('error', (err: Error) => reject(new Error(`cannot pack the build context: ${err.message}`))),
  );
  contextFailed.catch(() => {});
  const build = (async () => {
    const stream = await docker.buildImage(context, {
      t: IMAGE_NAME,
      labels: { [LABEL_CODE_HASH]: layer.hash, 'sandbox.version': PACKAGE_VERSION },
      rm: true,
      forcerm: true,
    });
    await followProgress(docker, stream);
  })();
  await Promise.race([build, contextFailed]);
  // The image the tag moved away from: drop it unless a container still uses it.
  if (previous) {
    const current = (await docker.getImage(IMAGE_NAME).inspect()).Id;
    if (current !== previous)
      await docker
        .getImage(previous)
        .remove()
        .catch(() => {});
  }
  return IMAGE_NAME;
}

/**
 * `sandbox image build`: (re)builds the app layer (quick: Docker's layer cache keeps what did not
 * change) and, with `rebuild`, the base image too.
 */
export async function buildNodeImage(
  opts: { rebuild?: boolean; onStep?: StepFn; docker?: Dockerode } = {},
): Promise<string> {
  const { default: Docker } = await import('dockerode');
  const docker = opts.docker ?? new Docker();
  try {
    await docker.ping();
  } catch (err) {
    throw new DriverUnavailableError(
      `Docker is not reachable (${(err as Error).message}): start dockerd to build the node image`,
    );
  }
  return ensureImage(docker, {
    rebuild: true,
    rebuildBase: opts.rebuild ?? false,
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
  });
}
