// The Mesos containerizer's image provisioner for Docker images, taken from the local Docker daemon
// (this sandbox has no registry; Mesos's own store pulls from one, which we only try when the image
// is missing). An image is unpacked once, by its Docker image id, into
//   <work_dir>/provisioner/images/<id hex>/rootfs
// (`docker create` a stopped container, `docker export` it through GNU tar into a temporary
// directory, rename that into place), which never changes afterwards and is found again after an
// agent restart. Each container then gets its own root filesystem from a backend, as Mesos's
// --image_provisioner_backend: `overlay` (the image's rootfs as the lower layer, the container's
// changes in <work_dir>/provisioner/containers/<container id>/upper; mounted by the task's own
// joining shell, see image-rootfs.ts) when overlayfs works on the work dir's filesystem, else
// `copy` (cp -a of the image's rootfs), with the container's layer (mount points, /dev entries,
// the host's hosts and resolv.conf: image-rootfs.ts containerLayer) written in by applyLayer.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import {
  access,
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { followProgress } from '../../../util/docker-progress.js';
import { findExecutable } from '../../../util/executables.js';
import type { Logger } from '../../../util/log.js';
import { connectDocker, DEFAULT_DOCKER_SOCKET } from './docker-launcher.js';
import { normalizeImageName } from './docker-spec.js';
import {
  containerLayer,
  imageWorkingDir,
  overlayOptionValue,
  type ContainerRootfs,
  type ImageConfig,
  type LayerEntry,
} from './image-rootfs.js';

const execFileAsync = promisify(execFile);

export type ProvisionerBackend = 'overlay' | 'copy';

/** Marks the stopped containers the provisioner creates only to export them. */
export const LABEL_PROVISIONER_IMAGE = 'sandbox.provisioner-image';

export interface ImageProvisionerOptions {
  /** The agent's --work_dir. */
  workDir: string;
  /** A Docker client, or how to get one; default: connectDocker(dockerSocket) at the first image. */
  docker?: Dockerode | (() => Promise<Dockerode>);
  /** Mesos's --docker_socket, for the default client. */
  dockerSocket?: string;
  /** Mesos's --image_provisioner_backend; default: overlay when it works here, else copy. */
  backend?: ProvisionerBackend;
  log?: Logger;
}

export interface ProvisionedImage {
  /** The image as asked for, with `:latest` when it named no tag. */
  reference: string;
  /** Docker's image id, `sha256:<hex>`. */
  id: string;
  /** The unpacked image, shared by every container of it: never written to. */
  rootfs: string;
  config: ImageConfig;
}

export interface ProvisionOptions {
  /** Pull even when the daemon has the image (Image.cached: false). */
  forcePull?: boolean;
  /** Abandons a pull (the task was killed meanwhile); an unpacking under way goes on for the cache. */
  signal?: AbortSignal;
}

/** Image.Config of `docker image inspect`, as the API may send it (nulls and absent fields). */
export interface InspectedImageConfig {
  Env?: string[] | null;
  WorkingDir?: string | null;
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
  User?: string | null;
}

/** The config Mesos uses from an inspected image; absent fields are empty. */
export function imageConfigOf(config: InspectedImageConfig | null | undefined): ImageConfig {
  const list = (v: string[] | string | null | undefined): string[] =>
    v === null || v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  return {
    env: list(config?.Env),
    workingDir: config?.WorkingDir ?? '',
    entrypoint: list(config?.Entrypoint),
    cmd: list(config?.Cmd),
    user: config?.User ?? '',
  };
}

/** The directory name of an image's cache entry: the hex of its `sha256:` id. */
export function imageDirName(id: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(id);
  if (!m) throw new Error(`Unexpected Docker image id '${id}'`);
  return m[1]!;
}

/** Where the provisioner keeps things under the agent's work dir. */
export function provisionerPaths(workDir: string): { images: string; containers: string } {
  const root = join(workDir, 'provisioner');
  return { images: join(root, 'images'), containers: join(root, 'containers') };
}

/**
 * A container's rootfs directories for `backend`. Throws for a container id that is not one path
 * component of the characters Mesos ContainerIDs use.
 */
export function containerRootfsLayout(
  workDir: string,
  containerId: string,
  backend: ProvisionerBackend,
  imageRootfs: string,
): ContainerRootfs {
  if (!/^[A-Za-z0-9_.@:-]+$/.test(containerId) || containerId === '.' || containerId === '..') {
    throw new Error(`Invalid container id '${containerId}'`);
  }
  const dir = join(provisionerPaths(workDir).containers, containerId);
  const rootfs = join(dir, 'rootfs');
  if (backend === 'copy') return { backend, rootfs };
  return { backend, rootfs, lowerdir: imageRootfs, upperdir: join(dir, 'upper'), workdir: join(dir, 'work') };
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** The daemon's own words for a failed request. */
function daemonMessage(err: unknown): string {
  const e = err as { json?: { message?: string } | null; message?: string };
  return e.json?.message ?? (e.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const tail = (text: string): string => text.trim().split('\n').slice(-3).join('; ');

export class ImageProvisioner {
  private readonly paths: { images: string; containers: string };
  private dockerClient: Promise<Dockerode> | null = null;
  private backendChoice: Promise<ProvisionerBackend> | null = null;
  /** Extractions under way, by image dir name: concurrent requests for one image share one. */
  private readonly extracting = new Map<string, Promise<string>>();

  constructor(private readonly options: ImageProvisionerOptions) {
    this.paths = provisionerPaths(options.workDir);
  }

  /**
   * Makes sure the image's rootfs is unpacked and returns it with the image's config. Rejects with a
   * message naming the image when the daemon cannot be reached, does not have the image and cannot
   * pull it, or the export fails.
   */
  async provision(image: string, opts: ProvisionOptions = {}): Promise<ProvisionedImage> {
    const reference = normalizeImageName(image);
    const failed = (why: string): Error => new Error(`Failed to provision image '${reference}': ${why}`);
    const docker = await this.docker().catch((err: unknown) => {
      throw failed(`cannot reach the Docker daemon: ${daemonMessage(err)}`);
    });
    let inspected = opts.forcePull
      ? null
      : await this.inspect(docker, reference).catch((err: unknown) => {
          throw failed(daemonMessage(err));
        });
    if (!inspected) {
      try {
        const pull = await docker.pull(reference, opts.signal ? { abortSignal: opts.signal } : {});
        await followProgress(docker, pull);
      } catch (err) {
        const why = daemonMessage(err);
        throw failed(
          opts.forcePull
            ? `pulling it failed: ${why}`
            : `not found in the local Docker daemon, and pulling it failed: ${why}`,
        );
      }
      inspected = await this.inspect(docker, reference).catch(() => null);
      if (!inspected) throw failed('not found in the local Docker daemon after pulling it');
    }
    const dirName = imageDirName(inspected.Id);
    let extraction = this.extracting.get(dirName);
    if (!extraction) {
      extraction = this.unpack(docker, inspected.Id, dirName).finally(() => this.extracting.delete(dirName));
      this.extracting.set(dirName, extraction);
    }
    const rootfs = await extraction.catch((err: unknown) => {
      throw failed((err as Error).message);
    });
    return { reference, id: inspected.Id, rootfs, config: imageConfigOf(inspected.Config) };
  }

  /** The backend containers get their rootfs from; decided (and overlay tried) once. */
  backend(): Promise<ProvisionerBackend> {
    this.backendChoice ??= this.chooseBackend();
    return this.backendChoice;
  }

  /**
   * Prepares the container's own rootfs from a provisioned image: the overlay's directories (the
   * mount itself is made in the task's mount namespace) or a full copy, with the container's layer
   * (containerLayer: mount points, /dev placeholders, the host's hosts and resolv.conf) in it. A
   * leftover of the same container id is replaced.
   */
  async prepareContainerRootfs(containerId: string, image: ProvisionedImage): Promise<ContainerRootfs> {
    const layout = containerRootfsLayout(
      this.options.workDir,
      containerId,
      await this.backend(),
      image.rootfs,
    );
    await this.destroyContainerRootfs(containerId);
    const dir = join(this.paths.containers, containerId);
    await mkdir(dir, { recursive: true });
    try {
      const entries = containerLayer(imageWorkingDir(image.config));
      if (layout.backend === 'overlay') {
        await Promise.all([layout.rootfs, layout.upperdir, layout.workdir].map((d) => mkdir(d)));
        await applyLayer(layout.upperdir, image.rootfs, entries);
      } else {
        await copyTree(image, layout.rootfs);
        await applyLayer(layout.rootfs, null, entries);
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    return layout;
  }

  /** Removes the container's rootfs directories (after its task ended). Idempotent. */
  async destroyContainerRootfs(containerId: string): Promise<void> {
    containerRootfsLayout(this.options.workDir, containerId, 'copy', '');
    await rm(join(this.paths.containers, containerId), { recursive: true, force: true });
  }

  /**
   * As Mesos's provisioner recovery: removes the rootfs of every container not in `live` (left by
   * an agent that stopped without cleaning up); returns the ids removed.
   */
  async recover(live: Iterable<string>): Promise<string[]> {
    const keep = new Set(live);
    const entries = await readdir(this.paths.containers).catch(() => [] as string[]);
    const stale = entries.filter((id) => !keep.has(id));
    await Promise.all(
      stale.map((id) => rm(join(this.paths.containers, id), { recursive: true, force: true })),
    );
    return stale;
  }

  private docker(): Promise<Dockerode> {
    if (!this.dockerClient) {
      const given = this.options.docker;
      this.dockerClient =
        given === undefined
          ? connectDocker(this.options.dockerSocket ?? DEFAULT_DOCKER_SOCKET)
          : typeof given === 'function'
            ? given()
            : Promise.resolve(given);
      // A daemon that is not there fails this image; the next one tries again.
      this.dockerClient.catch(() => (this.dockerClient = null));
    }
    return this.dockerClient;
  }

  private async inspect(docker: Dockerode, reference: string): Promise<Dockerode.ImageInspectInfo | null> {
    try {
      return await docker.getImage(reference).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** The image's rootfs directory, unpacked now unless an earlier run of the agent did it. */
  private async unpack(docker: Dockerode, id: string, dirName: string): Promise<string> {
    const final = join(this.paths.images, dirName);
    const rootfs = join(final, 'rootfs');
    if (await exists(rootfs)) return rootfs;
    await mkdir(this.paths.images, { recursive: true });
    // What an agent killed in the middle of unpacking this image left behind.
    const prefix = `.tmp-${dirName}-`;
    for (const name of await readdir(this.paths.images)) {
      if (name.startsWith(prefix)) await rm(join(this.paths.images, name), { recursive: true, force: true });
    }
    const temp = join(this.paths.images, `${prefix}${randomUUID()}`);
    await mkdir(join(temp, 'rootfs'), { recursive: true });
    const started = Date.now();
    this.options.log?.info('Unpacking a Docker image for the Mesos containerizer', {
      image: id,
      into: final,
    });
    try {
      await this.exportInto(docker, id, join(temp, 'rootfs'));
      await rename(temp, final).catch(async (err: unknown) => {
        // Only an image unpacked meanwhile by another process on this work dir is in the way.
        if (!(await exists(rootfs))) throw err;
      });
    } finally {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    }
    this.options.log?.info('Unpacked a Docker image', { image: id, ms: Date.now() - started });
    return rootfs;
  }

  private async exportInto(docker: Dockerode, id: string, dir: string): Promise<void> {
    const tar = findExecutable('tar');
    if (!tar) throw new Error('`tar` is not installed (Debian package tar)');
    // Never started: a command is set only so that an image without Cmd and Entrypoint is accepted.
    const container = await docker
      .createContainer({
        Image: id,
        Cmd: ['/mesos-sandbox-provisioner-export'],
        Labels: { [LABEL_PROVISIONER_IMAGE]: id },
        NetworkDisabled: true,
      })
      .catch((err: unknown) => {
        throw new Error(`cannot create a container to export: ${daemonMessage(err)}`);
      });
    try {
      const stream = await container.export();
      // Owners as numbers (the image's /etc/passwd is not the host's), modes exactly (no umask: a
      // 1777 /tmp stays one), file capabilities with --xattrs: GNU tar, as tar-fs drops setuid,
      // setgid and sticky bits and xattrs. Owners are kept when run as root.
      // --ignore-zeros: read the stream to its end. Docker pads the archive after tar's end-of-archive
      // blocks, and a tar that stops there closes the pipe under the rest (Premature close).
      const args = ['-x', '-f', '-', '-C', dir, '--numeric-owner', '--same-permissions', '--ignore-zeros'];
      args.push('--xattrs', '--xattrs-include=security.capability');
      const child = spawn(tar, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
      const exited = new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code) => resolve(code));
      });
      const [piped, code] = await Promise.all([
        pipeline(stream, child.stdin).then(
          () => null,
          (err: unknown) => err as Error,
        ),
        exited,
      ]);
      if (code !== 0) throw new Error(`tar failed to unpack the image (exit ${code}): ${tail(stderr)}`);
      if (piped) throw new Error(`exporting the image failed: ${daemonMessage(piped)}`);
    } finally {
      await container.remove({ force: true, v: true }).catch((err: unknown) => {
        this.options.log?.warn('Could not remove the container an image was exported from', {
          container: container.id,
          error: daemonMessage(err),
        });
      });
    }
  }

  private async chooseBackend(): Promise<ProvisionerBackend> {
    if (this.options.backend === 'copy') return 'copy';
    const why = await this.overlayProblem();
    if (why === null) return 'overlay';
    if (this.options.backend === 'overlay')
      throw new Error(`The overlay provisioner backend is not usable: ${why}`);
    this.options.log?.warn('Container root filesystems are copies of their image (the copy backend)', {
      reason: `overlayfs is not usable under ${this.options.workDir}: ${why}`,
    });
    return 'copy';
  }

  /**
   * Mounts a small overlay as containers will (lower in images/, upper in containers/, inside a
   * throwaway mount namespace) and writes through it; null when that worked, else why not.
   */
  private async overlayProblem(): Promise<string | null> {
    const unshare = findExecutable('unshare');
    if (!unshare) return 'util-linux `unshare` is not installed';
    const probe = `.probe-${randomUUID()}`;
    const lower = join(this.paths.images, probe);
    const dir = join(this.paths.containers, probe);
    const [upper, work, merged] = ['upper', 'work', 'rootfs'].map((d) => join(dir, d)) as [
      string,
      string,
      string,
    ];
    try {
      await Promise.all([lower, upper, work, merged].map((d) => mkdir(d, { recursive: true })));
      await writeFile(join(lower, 'lower'), '');
      const opts = `lowerdir=${overlayOptionValue(lower)},upperdir=${overlayOptionValue(upper)},workdir=${overlayOptionValue(work)}`;
      const script =
        'mount --make-rprivate / && mount -t overlay -o "$1" overlay "$2" && [ -e "$2/lower" ] && : > "$2/upper"';
      await execFileAsync(unshare, ['--mount', '--', '/bin/sh', '-c', script, 'sh', opts, merged], {
        timeout: 10_000,
      });
      return (await exists(join(upper, 'upper')))
        ? null
        : 'a file written through the overlay did not reach its upper dir';
    } catch (err) {
      const e = err as Error & { stderr?: string };
      return tail(e.stderr ?? '') || e.message;
    } finally {
      await Promise.all(
        [lower, dir].map((d) => rm(d, { recursive: true, force: true }).catch(() => undefined)),
      );
    }
  }
}

async function copyTree(image: ProvisionedImage, into: string): Promise<void> {
  const cp = findExecutable('cp') ?? 'cp';
  try {
    await execFileAsync(cp, ['-a', image.rootfs, into], { maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(
      `Failed to copy the rootfs of image '${image.reference}': ${tail(e.stderr ?? '') || e.message}`,
    );
  }
}

/** lstat, or null when nothing is there. */
const entryAt = (path: string): Promise<Stats | null> => lstat(path).catch(() => null);

/**
 * Puts the container's layer into `root`: the overlay's empty upper dir (a directory the image has
 * gets the image's mode and owner, which the merged view then shows) or the container's copy of the
 * image. Nothing is followed through a symlink of the image's: in a copy, a symlink where a
 * directory or file of the layer goes is replaced, so no write can land outside the container.
 */
export async function applyLayer(root: string, image: string | null, entries: LayerEntry[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const ensureDir = async (path: string, mode?: number): Promise<void> => {
    const parts = path.split('/').filter((p) => p !== '');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      const target = join(root, rel);
      const there = await entryAt(target);
      if (there?.isDirectory()) continue;
      if (there) await rm(target, { recursive: true, force: true });
      const fromImage = image === null ? null : await entryAt(join(image, rel));
      const own = i === parts.length && mode !== undefined ? mode : undefined;
      const bits = own ?? (fromImage?.isDirectory() ? fromImage.mode & 0o7777 : 0o755);
      await mkdir(target);
      await chmod(target, bits);
      if (asRoot && fromImage?.isDirectory() && own === undefined)
        await chown(target, fromImage.uid, fromImage.gid);
    }
  };
  /** Makes room for a file or link at `path` (inside the container): its directory, nothing in its place. */
  const clear = async (path: string): Promise<string> => {
    await ensureDir(posix.dirname(path));
    const target = join(root, path);
    await rm(target, { recursive: true, force: true });
    return target;
  };
  for (const entry of entries) {
    switch (entry.kind) {
      case 'dir':
        if (entry.onlyIfAbsent && (await entryAt(join(image ?? root, entry.path)))) break;
        await ensureDir(entry.path, entry.mode);
        break;
      case 'file':
        await writeFile(await clear(entry.path), '', { mode: 0o644 });
        break;
      case 'symlink':
        await symlink(entry.target, await clear(entry.path));
        break;
      case 'hostFile': {
        const content = await readFile(entry.source).catch(() => null);
        if (content !== null) await writeFile(await clear(entry.path), content, { mode: 0o644 });
        break;
      }
    }
  }
}
