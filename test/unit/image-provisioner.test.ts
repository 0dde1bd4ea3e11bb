// The provisioner's own logic against a fake Docker daemon whose `export` is a tar of a small
// directory: the cache by image id, one unpacking for concurrent requests, the error messages, the
// clean-up after failures, and the container's layer. GNU tar and cp do the real work.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
  chmod,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyLayer,
  containerRootfsLayout,
  ImageProvisioner,
  imageConfigOf,
  imageDirName,
} from '../../src/mesos/agent/containerizer/image-provisioner.js';
import {
  CONTAINER_SANDBOX,
  containerLayer,
  type LayerEntry,
} from '../../src/mesos/agent/containerizer/image-rootfs.js';

const ID = `sha256:${'ab'.repeat(32)}`;
const HEX = 'ab'.repeat(32);

describe('imageConfigOf', () => {
  it('reads the fields Mesos uses, empty when absent or null', () => {
    expect(
      imageConfigOf({ Env: ['A=1'], WorkingDir: '/w', Entrypoint: ['/e'], Cmd: null, User: 'nobody' }),
    ).toEqual({ env: ['A=1'], workingDir: '/w', entrypoint: ['/e'], cmd: [], user: 'nobody' });
    expect(imageConfigOf(undefined)).toEqual({ env: [], workingDir: '', entrypoint: [], cmd: [], user: '' });
    expect(imageConfigOf({ Entrypoint: '/single', Cmd: 'x' })).toMatchObject({
      entrypoint: ['/single'],
      cmd: ['x'],
    });
  });
});

describe('imageDirName and containerRootfsLayout', () => {
  it('names an image by the hex of its id', () => {
    expect(imageDirName(ID)).toBe(HEX);
    expect(() => imageDirName('busybox:latest')).toThrow("Unexpected Docker image id 'busybox:latest'");
  });

  it('lays a container out under provisioner/containers/<id>', () => {
    expect(containerRootfsLayout('/w', 'c1', 'overlay', '/w/provisioner/images/x/rootfs')).toEqual({
      backend: 'overlay',
      rootfs: '/w/provisioner/containers/c1/rootfs',
      lowerdir: '/w/provisioner/images/x/rootfs',
      upperdir: '/w/provisioner/containers/c1/upper',
      workdir: '/w/provisioner/containers/c1/work',
    });
    expect(containerRootfsLayout('/w', 'c1.child', 'copy', '/i')).toEqual({
      backend: 'copy',
      rootfs: '/w/provisioner/containers/c1.child/rootfs',
    });
  });

  it('refuses a container id that is not one safe path component', () => {
    for (const id of ['', '.', '..', 'a/b', '../x', 'a b']) {
      expect(() => containerRootfsLayout('/w', id, 'copy', '/i')).toThrow(`Invalid container id '${id}'`);
    }
  });
});

interface FakeImage {
  Id: string;
  Config: { Env: string[]; Cmd: string[] | null; WorkingDir: string };
}

/** A tar of the directory, as `docker export` sends a container's filesystem. */
const tarOf = (dir: string): NodeJS.ReadableStream => spawn('tar', ['-cf', '-', '-C', dir, '.']).stdout;

/** Just enough of dockerode for the provisioner, with a record of what was asked of it. */
class FakeDocker {
  images = new Map<string, FakeImage>();
  registry = new Map<string, FakeImage>();
  created: Array<{ Image?: string; Labels?: Record<string, string> }> = [];
  removed = 0;
  exportStream: () => NodeJS.ReadableStream;

  constructor(exportDir: string) {
    this.exportStream = () => tarOf(exportDir);
  }

  getImage(name: string): { inspect(): Promise<FakeImage> } {
    return {
      inspect: async () => {
        const image = this.images.get(name);
        if (!image) throw Object.assign(new Error('(HTTP code 404) no such image'), { statusCode: 404 });
        return image;
      },
    };
  }

  async pull(name: string): Promise<NodeJS.ReadableStream> {
    const image = this.registry.get(name);
    if (!image) {
      throw Object.assign(new Error('(HTTP code 500) server error'), {
        statusCode: 500,
        json: {
          message:
            'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
        },
      });
    }
    this.images.set(name, image);
    return Readable.from([]);
  }

  modem = {
    followProgress: (_stream: NodeJS.ReadableStream, done: (err: Error | null) => void) => done(null),
  };

  async createContainer(opts: { Image?: string; Labels?: Record<string, string> }): Promise<unknown> {
    this.created.push(opts);
    return {
      id: `container-${this.created.length}`,
      export: async () => this.exportStream(),
      remove: async () => {
        this.removed++;
      },
    };
  }
}

const asDocker = (fake: FakeDocker): Dockerode => fake as unknown as Dockerode;

let base: string;
let exportDir: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'image-provisioner-unit-'));
  exportDir = join(base, 'export');
  await mkdir(join(exportDir, 'etc'), { recursive: true });
  await mkdir(join(exportDir, 'tmp'));
  await chmod(join(exportDir, 'tmp'), 0o1777);
  await writeFile(join(exportDir, 'etc', 'os-release'), 'ID=fake\n');
  await symlink('/etc/os-release', join(exportDir, 'os-release-link'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function freshWorkDir(): Promise<string> {
  return mkdtemp(join(base, 'work-'));
}

function fakeWithImage(): FakeDocker {
  const fake = new FakeDocker(exportDir);
  fake.images.set('fake:1', {
    Id: ID,
    Config: { Env: ['PATH=/bin', 'X=1'], Cmd: ['/bin/sh'], WorkingDir: '' },
  });
  return fake;
}

describe('ImageProvisioner.provision', () => {
  it('unpacks the image once for concurrent requests, keeping modes and links, and removes the export container', async () => {
    const workDir = await freshWorkDir();
    const fake = fakeWithImage();
    const provisioner = new ImageProvisioner({ workDir, docker: asDocker(fake) });
    const all = await Promise.all([1, 2, 3].map(() => provisioner.provision('fake:1')));
    const rootfs = join(workDir, 'provisioner', 'images', HEX, 'rootfs');
    expect(all.map((p) => p.rootfs)).toEqual([rootfs, rootfs, rootfs]);
    expect(all[0]).toEqual({
      reference: 'fake:1',
      id: ID,
      rootfs,
      config: { env: ['PATH=/bin', 'X=1'], workingDir: '', entrypoint: [], cmd: ['/bin/sh'], user: '' },
    });
    expect(fake.created).toHaveLength(1);
    expect(fake.created[0]).toMatchObject({ Image: ID, Labels: { 'sandbox.provisioner-image': ID } });
    expect(fake.removed).toBe(1);
    expect(await readFile(join(rootfs, 'etc', 'os-release'), 'utf8')).toBe('ID=fake\n');
    expect((await stat(join(rootfs, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect(await readlink(join(rootfs, 'os-release-link'))).toBe('/etc/os-release');
    // Nothing but the image's directory is left in the cache.
    expect(await readdir(join(workDir, 'provisioner', 'images'))).toEqual([HEX]);
  });

  it('finds an unpacked image again after a restart without exporting it', async () => {
    const workDir = await freshWorkDir();
    const fake = fakeWithImage();
    await new ImageProvisioner({ workDir, docker: asDocker(fake) }).provision('fake:1');
    const again = await new ImageProvisioner({ workDir, docker: asDocker(fake) }).provision('fake:1');
    expect(again.rootfs).toBe(join(workDir, 'provisioner', 'images', HEX, 'rootfs'));
    expect(fake.created).toHaveLength(1);
  });

  it("names an image that is neither local nor pullable, with the daemon's reason", async () => {
    const provisioner = new ImageProvisioner({
      workDir: await freshWorkDir(),
      docker: asDocker(fakeWithImage()),
    });
    await expect(provisioner.provision('debian')).rejects.toThrow(
      "Failed to provision image 'debian:latest': not found in the local Docker daemon, and pulling it failed: " +
        'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
    );
  });

  it('pulls an image the daemon does not have', async () => {
    const fake = new FakeDocker(exportDir);
    fake.registry.set('remote:2', { Id: ID, Config: { Env: [], Cmd: null, WorkingDir: '/srv' } });
    const provisioner = new ImageProvisioner({ workDir: await freshWorkDir(), docker: asDocker(fake) });
    const image = await provisioner.provision('remote:2');
    expect(image.config.workingDir).toBe('/srv');
    expect(existsSync(join(image.rootfs, 'etc', 'os-release'))).toBe(true);
  });

  it('pulls first when asked to, and fails when that fails although the image is local', async () => {
    const provisioner = new ImageProvisioner({
      workDir: await freshWorkDir(),
      docker: asDocker(fakeWithImage()),
    });
    await expect(provisioner.provision('fake:1', { forcePull: true })).rejects.toThrow(
      "Failed to provision image 'fake:1': pulling it failed: Get",
    );
  });

  it('leaves nothing behind when the export cannot be unpacked, and tries again next time', async () => {
    const workDir = await freshWorkDir();
    const fake = fakeWithImage();
    fake.exportStream = () => Readable.from([Buffer.alloc(2048, 'x')]);
    const provisioner = new ImageProvisioner({ workDir, docker: asDocker(fake) });
    await expect(provisioner.provision('fake:1')).rejects.toThrow(
      /^Failed to provision image 'fake:1': tar failed to unpack the image \(exit 2\)/,
    );
    expect(fake.removed).toBe(1);
    expect(await readdir(join(workDir, 'provisioner', 'images'))).toEqual([]);
    fake.exportStream = () => tarOf(exportDir);
    await expect(provisioner.provision('fake:1')).resolves.toMatchObject({ id: ID });
    expect(fake.created).toHaveLength(2);
  });

  it('removes what an interrupted unpacking of the same image left', async () => {
    const workDir = await freshWorkDir();
    const stale = join(workDir, 'provisioner', 'images', `.tmp-${HEX}-dead`);
    await mkdir(join(stale, 'rootfs'), { recursive: true });
    await new ImageProvisioner({ workDir, docker: asDocker(fakeWithImage()) }).provision('fake:1');
    expect(await readdir(join(workDir, 'provisioner', 'images'))).toEqual([HEX]);
  });

  it('says so when the daemon cannot be reached, and connects again for the next image', async () => {
    let attempts = 0;
    const provisioner = new ImageProvisioner({
      workDir: await freshWorkDir(),
      docker: async () => {
        attempts++;
        if (attempts === 1) throw new Error('connect ENOENT /var/run/docker.sock');
        return asDocker(fakeWithImage());
      },
    });
    await expect(provisioner.provision('fake:1')).rejects.toThrow(
      "Failed to provision image 'fake:1': cannot reach the Docker daemon: connect ENOENT /var/run/docker.sock",
    );
    await expect(provisioner.provision('fake:1')).resolves.toMatchObject({ id: ID });
    expect(attempts).toBe(2);
  });
});

describe('container rootfs with the copy backend', () => {
  it("copies the image and adds the container's layer; destroy removes it", async () => {
    const workDir = await freshWorkDir();
    const provisioner = new ImageProvisioner({ workDir, docker: asDocker(fakeWithImage()), backend: 'copy' });
    const image = await provisioner.provision('fake:1');
    const rootfs = await provisioner.prepareContainerRootfs('c1', image);
    expect(rootfs).toEqual({
      backend: 'copy',
      rootfs: join(workDir, 'provisioner', 'containers', 'c1', 'rootfs'),
    });
    expect(await readFile(join(rootfs.rootfs, 'etc', 'os-release'), 'utf8')).toBe('ID=fake\n');
    expect((await stat(join(rootfs.rootfs, CONTAINER_SANDBOX))).isDirectory()).toBe(true);
    expect((await lstat(join(rootfs.rootfs, 'dev', 'null'))).isFile()).toBe(true);
    // The image itself is untouched.
    expect(existsSync(join(image.rootfs, 'dev'))).toBe(false);
    await provisioner.destroyContainerRootfs('c1');
    expect(existsSync(join(workDir, 'provisioner', 'containers', 'c1'))).toBe(false);
  });
});

describe('applyLayer', () => {
  const entries = (sources: string): LayerEntry[] =>
    containerLayer('/srv/app').map((e) =>
      e.kind === 'hostFile' ? { ...e, source: join(sources, e.path) } : e,
    );

  async function hostFiles(): Promise<string> {
    const dir = await mkdtemp(join(base, 'host-'));
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'hosts'), '127.0.0.1 localhost\n');
    await writeFile(join(dir, 'etc', 'resolv.conf'), 'nameserver 10.0.0.1\n');
    return dir;
  }

  it("fills an overlay's upper dir, with the image's directory modes, /tmp only when the image has none", async () => {
    const image = await mkdtemp(join(base, 'image-'));
    await mkdir(join(image, 'etc'));
    await chmod(join(image, 'etc'), 0o750);
    const upper = await mkdtemp(join(base, 'upper-'));
    const host = await hostFiles();
    await applyLayer(upper, image, entries(host));
    expect((await stat(join(upper, 'etc'))).mode & 0o7777).toBe(0o750);
    expect((await stat(join(upper, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(upper, 'srv', 'app'))).isDirectory()).toBe(true);
    expect(await readFile(join(upper, 'etc', 'hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(existsSync(join(upper, 'etc', 'hostname'))).toBe(false);
    expect(await readlink(join(upper, 'dev', 'fd'))).toBe('/proc/self/fd');
    expect(await readFile(join(upper, 'dev', 'zero'), 'utf8')).toBe('');

    await mkdir(join(image, 'tmp'));
    const upper2 = await mkdtemp(join(base, 'upper-'));
    await applyLayer(upper2, image, entries(host));
    expect(existsSync(join(upper2, 'tmp'))).toBe(false);
  });

  it("never writes through a copied image's symlinks", async () => {
    const outside = await mkdtemp(join(base, 'outside-'));
    const copy = await mkdtemp(join(base, 'copy-'));
    await mkdir(join(copy, 'etc'));
    await symlink(outside, join(copy, 'mnt'));
    await symlink(join(outside, 'hosts'), join(copy, 'etc', 'hosts'));
    await symlink(outside, join(copy, 'dev'));
    await applyLayer(copy, null, entries(await hostFiles()));
    expect(await readdir(outside)).toEqual([]);
    expect((await lstat(join(copy, 'mnt'))).isDirectory()).toBe(true);
    expect((await lstat(join(copy, 'etc', 'hosts'))).isFile()).toBe(true);
    expect((await lstat(join(copy, 'dev', 'null'))).isFile()).toBe(true);
  });
});
