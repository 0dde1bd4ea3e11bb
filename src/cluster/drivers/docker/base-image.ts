// The base of the node image: Debian bookworm with ZooKeeper's jars, a headless JRE and the tools the
// agent's linux launcher uses. With a registry, `debian:bookworm-slim` plus apt-get; without one
// (the usual case here: only Debian's mirror is reachable), debootstrap builds the root filesystem
// on the host and `docker import` turns it into an image. Packages are installed by debootstrap on
// the host, so no apt-get has to reach the mirror from inside a container.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { pack as tarPack } from 'tar-fs';
import { followProgress } from '../../../util/docker-progress.js';

export { followProgress };

export const BASE_IMAGE = 'mesos-sandbox-base:bookworm';
export const DEBIAN_SUITE = 'bookworm';
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const REGISTRY_BASE = 'debian:bookworm-slim';
const PULL_TIMEOUT_MS = 30_000;

/**
 * ZooKeeper's jars without Debian's `zookeeper` package: that one depends on the full default-jre
 * (GTK, X11: several hundred MB) for its GUI inspector. src/zookeeper/server.ts needs only
 * zookeeper.jar (libzookeeper-java), the slf4j-log4j binding and log4j 1.2, and a JRE.
 */
export const BASE_PACKAGES = [
  'libzookeeper-java',
  'libslf4j-java',
  'liblog4j1.2-java',
  'default-jre-headless',
  'util-linux',
  'procps',
  'ca-certificates',
  'bash',
  // What the SMACK packages and fixtures run in the agents' containers, as on a process-driver host.
  'python3',
  'redis-server',
] as const;

export const LABEL_BASE_PACKAGES = 'sandbox.base-packages';
export const LABEL_BASE_SOURCE = 'sandbox.base-source';

export type StepFn = (msg: string) => void;

export async function imageLabels(docker: Dockerode, name: string): Promise<Record<string, string> | null> {
  try {
    const info = await docker.getImage(name).inspect();
    return info.Config?.Labels ?? {};
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/**
 * The Debian mirror named in the host's APT sources (one-line `deb` lists and deb822 `.sources`),
 * for the main archive (not security, not a third-party repository); null when there is none.
 */
export function debianMirrorFromSources(texts: readonly string[]): string | null {
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      let uris: string[] = [];
      const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (oneLine) uris = [oneLine[1]!];
      const deb822 = /^URIs:\s*(.+)$/i.exec(line);
      if (deb822) uris = deb822[1]!.split(/\s+/);
      for (const uri of uris) {
        if (/^https?:\/\/[^/]+(\/.*)?\/debian\/?$/.test(uri)) return uri.replace(/\/$/, '');
      }
    }
  }
  return null;
}

export function hostDebianMirror(): string {
  if (process.env.SANDBOX_DEBIAN_MIRROR) return process.env.SANDBOX_DEBIAN_MIRROR;
  const texts: string[] = [];
  const read = (file: string): void => {
    try {
      texts.push(readFileSync(file, 'utf8'));
    } catch {
      // Absent or unreadable: not a source.
    }
  };
  read('/etc/apt/sources.list');
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) read(join('/etc/apt/sources.list.d', f));
    }
  } catch {
    // No sources.list.d.
  }
  return debianMirrorFromSources(texts) ?? DEFAULT_DEBIAN_MIRROR;
}

export interface EnsureBaseOptions {
  onStep?: StepFn;
  rebuild?: boolean;
}

/** Makes sure BASE_IMAGE exists with the current package list; returns its image id. */
export async function ensureBaseImage(docker: Dockerode, opts: EnsureBaseOptions = {}): Promise<string> {
  const wanted = BASE_PACKAGES.join(',');
  const labels = await imageLabels(docker, BASE_IMAGE);
  if (!opts.rebuild && labels?.[LABEL_BASE_PACKAGES] === wanted) {
    return (await docker.getImage(BASE_IMAGE).inspect()).Id;
  }
  const step = opts.onStep ?? (() => {});
  const previous = labels ? (await docker.getImage(BASE_IMAGE).inspect()).Id : null;
  let built = false;
  if (await tryPull(docker, REGISTRY_BASE)) {
    step(`Building ${BASE_IMAGE} from ${REGISTRY_BASE}`);
    try {
      await buildFromRegistryBase(docker);
      built = true;
    } catch (err) {
      step(`apt-get in a container failed (${(err as Error).message}); using debootstrap instead`);
    }
  }
  if (!built) {
    const mirror = hostDebianMirror();
    step(`Building ${BASE_IMAGE} with debootstrap from ${mirror} (a few minutes, once)`);
    await buildWithDebootstrap(docker, mirror, step);
  }
  const id = (await docker.getImage(BASE_IMAGE).inspect()).Id;
  // The base the tag moved away from goes once no image or container uses it any more.
  if (previous && previous !== id)
    await docker
      .getImage(previous)
      .remove()
      .catch(() => {});
  return id;
}

async function tryPull(docker: Dockerode, image: string): Promise<boolean> {
  try {
    const stream = await docker.pull(image, { abortSignal: AbortSignal.timeout(PULL_TIMEOUT_MS) });
    await followProgress(docker, stream);
    return true;
  } catch {
    return false;
  }
}

function baseChanges(source: string): Record<string, string> {
  return { [LABEL_BASE_PACKAGES]: BASE_PACKAGES.join(','), [LABEL_BASE_SOURCE]: source };
}

async function buildFromRegistryBase(docker: Dockerode): Promise<void> {
  const dockerfile = [
    `FROM ${REGISTRY_BASE}`,
    'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ' +
      `${BASE_PACKAGES.join(' ')} && rm -rf /var/lib/apt/lists/* && mkdir -p /etc/zookeeper/conf`,
    '',
  ].join('\n');
  const context = tarPack('/', {
    entries: [],
    finalize: false,
    finish: (p) => {
      p.entry({ name: 'Dockerfile' }, dockerfile);
      p.finalize();
    },
  });
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: BASE_IMAGE,
    labels: baseChanges(REGISTRY_BASE),
    rm: true,
    forcerm: true,
  });
  await followProgress(docker, stream);
}

/** Runs a command to completion (through sudo when not root); rejects with the tail of its output. */
function run(command: string, args: string[], opts: { sudo: boolean; onLine?: StepFn }): Promise<void> {
  const [cmd, argv] = opts.sudo ? ['sudo', ['-n', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer): void => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const last = tail.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`${command} failed (${signal ?? `exit ${code}`}):\n${last}`));
      }
    });
  });
}

function findDebootstrap(): string | null {
  for (const p of ['/usr/sbin/debootstrap', '/usr/bin/debootstrap', '/sbin/debootstrap']) {
    if (existsSync(p)) return p;
  }
  return null;
}

async function needsSudo(): Promise<boolean> {
  if (process.getuid?.() === 0) return false;
  try {
    await run('true', [], { sudo: true });
    return true;
  } catch {
    throw new Error(
      'Building the base image needs root (debootstrap): run `sudo sandbox image build` once, or ' +
        'allow sudo without a password',
    );
  }
}

async function buildWithDebootstrap(docker: Dockerode, mirror: string, step: StepFn): Promise<void> {
  const debootstrap = findDebootstrap();
  if (!debootstrap) {
    throw new Error(
      `No registry to pull ${REGISTRY_BASE} from, and debootstrap is not installed: run 'apt-get install debootstrap'`,
    );
  }
  const sudo = await needsSudo();
  const workDir = await mkdtemp(join(tmpdir(), 'mesos-sandbox-rootfs-'));
  const rootfs = join(workDir, 'rootfs');
  try {
    const started = Date.now();
    await run(
      debootstrap,
      [
        '--variant=minbase',
        `--include=${BASE_PACKAGES.join(',')}`,
        '--components=main',
        DEBIAN_SUITE,
        rootfs,
        mirror,
      ],
      { sudo },
    );
    step(`debootstrap finished in ${Math.round((Date.now() - started) / 1000)} s; importing into Docker`);
    // Downloaded .debs, package lists, manuals and translations are of no use in the image (as in
    // Debian's slim images); the copyright files stay.
    await run(
      '/bin/sh',
      [
        '-c',
        'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/log/*.log ' +
          '"$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/usr/share/locale/* && ' +
          'find "$1"/usr/share/doc -type f ! -name copyright -delete && mkdir -p "$1"/etc/zookeeper/conf',
        'sh',
        rootfs,
      ],
      { sudo },
    );
    await importRootfs(docker, rootfs, sudo);
  } finally {
    await removeRootfs(workDir, sudo);
  }
}

async function importRootfs(docker: Dockerode, rootfs: string, sudo: boolean): Promise<void> {
  const tarArgs = ['--numeric-owner', '-C', rootfs, '-cf', '-', '.'];
  const [cmd, argv] = sudo ? ['sudo', ['-n', 'tar', ...tarArgs]] : ['tar', tarArgs];
  const tar = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`tar of the root filesystem failed: ${stderr.trim()}`)),
    );
  });
  const labels = baseChanges('debootstrap');
  const [repo, tag] = BASE_IMAGE.split(':') as [string, string];
  const stream = await docker.importImage(tar.stdout, {
    repo,
    tag,
    changes: [
      ...Object.entries(labels).map(([k, v]) => `LABEL ${k}="${v}"`),
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV LANG=C.UTF-8',
      'CMD ["/bin/bash"]',
    ],
  });
  await Promise.all([followProgress(docker, stream), tarDone]);
}

/** Unmounts whatever debootstrap may have left mounted (after a failure), then removes the tree. */
async function removeRootfs(workDir: string, sudo: boolean): Promise<void> {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((mp) => mp === workDir || mp.startsWith(`${workDir}/`))
    .sort()
    .reverse();
  for (const mp of mounts) await run('umount', ['-l', mp], { sudo }).catch(() => {});
  await run('rm', ['-rf', '--one-file-system', workDir], { sudo });
}
