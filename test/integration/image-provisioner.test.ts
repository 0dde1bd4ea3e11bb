// The Mesos containerizer's image support against the real dockerd and kernel: a local image (the
// base image plus a marker file) is unpacked once and shared, and a task runs in its own rootfs of
// it the way the linux launcher runs it (unshare with pid+mount namespaces, /bin/sh running the
// rootfs snippet), with both provisioner backends. Needs root, dockerd and util-linux unshare; the
// suite is skipped with the reason otherwise.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { pack as tarPack } from 'tar-fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage, followProgress } from '../../src/cluster/drivers/docker/base-image.js';
import {
  ImageProvisioner,
  type ProvisionedImage,
  type ProvisionerBackend,
} from '../../src/mesos/agent/containerizer/image-provisioner.js';
import {
  CONTAINER_SANDBOX,
  imageTask,
  ROOTFS_SETUP_FAILED,
  rootfsCommand,
  type TaskCommand,
} from '../../src/mesos/agent/containerizer/image-rootfs.js';
import { joinScript, UNSHARE_ARGS } from '../../src/mesos/agent/containerizer/linux-launcher.js';
import { findExecutable } from '../../src/util/executables.js';

const TEST_IMAGE = `mesos-sandbox-test-image:${process.pid}`;
const OVERLAYFS_SUPER_MAGIC = 0x794c7630;
const docker = new Dockerode();
const unshare = findExecutable('unshare');

async function whyNot(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'it needs root (mounts in a mount namespace)';
  if (!unshare) return 'util-linux unshare is not installed';
  try {
    await docker.info();
  } catch (err) {
    return `Docker is not reachable (${(err as Error).message})`;
  }
  return null;
}
const skipReason = await whyNot();
if (skipReason) console.warn(`Skipping the image provisioner integration tests: ${skipReason}`);
// An overlay's upper dir cannot be on overlayfs (a work dir inside a container): copy is used there.
const tmpOnOverlay = (await statfs(tmpdir())).type === OVERLAYFS_SUPER_MAGIC;
if (tmpOnOverlay) console.warn(`Skipping the overlay backend tests: ${tmpdir()} is on overlayfs`);
const usableBackend: ProvisionerBackend = tmpOnOverlay ? 'copy' : 'overlay';

// Spaces, a quote, a comma and a colon: every path below must survive the shell and overlayfs.
let workDir: string;
/** The random end of workDir's name, which no other mount on this host has. */
let workDirToken: string;
let provisioner: ImageProvisioner;
let createCalls = 0;

/** The daemon, with a count of the containers created through it (one per image unpacked). */
const countingDocker = new Proxy(docker, {
  get(target, prop, receiver) {
    if (prop === 'createContainer') {
      return (opts: Dockerode.ContainerCreateOptions) => {
        createCalls++;
        return target.createContainer(opts);
      };
    }
    return Reflect.get(target, prop, receiver) as unknown;
  },
});

async function buildTestImage(): Promise<void> {
  const dockerfile = [
    `FROM ${BASE_IMAGE}`,
    'RUN echo hi-from-the-image > /image-marker',
    'ENV FROM_IMAGE=yes',
    '',
  ];
  const context = tarPack('/', {
    entries: [],
    finalize: false,
    finish: (p) => {
      p.entry({ name: 'Dockerfile' }, dockerfile.join('\n'));
      p.finalize();
    },
  });
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: TEST_IMAGE,
    rm: true,
    forcerm: true,
  });
  await followProgress(docker, stream);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the task as LinuxLauncher would (minus cgroups): unshare, pid 1 /bin/sh joining, then the snippet. */
async function runInImage(
  image: ProvisionedImage,
  backend: ProvisionerBackend,
  command: TaskCommand,
  opts: { sandbox?: string; containerId?: string } = {},
): Promise<Ran & { containerId: string; sandbox: string }> {
  const p = backend === 'copy' ? copyProvisioner : provisioner;
  const containerId = opts.containerId ?? `c-${backend}-${Math.random().toString(36).slice(2)}`;
  const sandbox = opts.sandbox ?? (await mkdtemp(join(workDir, 'sand box ')));
  const rootfs = await p.prepareContainerRootfs(containerId, image);
  expect(rootfs.backend).toBe(backend);
  const task = imageTask(image.config, command, { MESOS_TASK_ID: 't1' });
  const { then, args } = rootfsCommand(
    { rootfs, sandbox, workingDir: task.workingDir, unshare: unshare! },
    task.command,
  );
  // The launcher's joining shell around it; a plain file stands in for the cgroup.procs it joins.
  const procs = join(workDir, `procs-${containerId}`);
  const script = joinScript([procs], then);
  const child = spawn(unshare!, [...UNSHARE_ARGS, '/bin/sh', '-c', script, ...args], {
    cwd: existsSync(sandbox) ? sandbox : workDir,
    env: task.env,
    // As the launcher: the task's stdout and stderr on fds 3 and 4, unshare's own stderr on 2.
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const [diagnostics, out, err] = [child.stdio[2], child.stdio[3], child.stdio[4]] as NodeJS.ReadableStream[];
  out!.on('data', (c: Buffer) => (stdout += c.toString()));
  err!.on('data', (c: Buffer) => (stderr += c.toString()));
  diagnostics!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(await readFile(procs, 'utf8')).toBe('0\n');
  return { code, stdout, stderr, containerId, sandbox };
}

let copyProvisioner: ImageProvisioner;
let image: ProvisionedImage;

describe.skipIf(skipReason !== null)('image provisioner with the local Docker daemon', () => {
  beforeAll(async () => {
    await ensureBaseImage(docker, { onStep: (msg) => console.log(`[image-provisioner test] ${msg}`) });
    await buildTestImage();
    workDir = await mkdtemp(join(tmpdir(), "image prov'is,ion:er "));
    workDirToken = workDir.slice(-6);
    provisioner = new ImageProvisioner({ workDir, docker: countingDocker as Dockerode });
    copyProvisioner = new ImageProvisioner({ workDir, docker, backend: 'copy' });
  }, 900_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await docker
      .getImage(TEST_IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('unpacks an image once, for concurrent requests too, into the cache by image id', async () => {
    const results = await Promise.all(
      [TEST_IMAGE, TEST_IMAGE, TEST_IMAGE].map((i) => provisioner.provision(i)),
    );
    image = results[0]!;
    const inspected = await docker.getImage(TEST_IMAGE).inspect();
    expect(image.id).toBe(inspected.Id);
    expect(image.rootfs).toBe(join(workDir, 'provisioner', 'images', inspected.Id.slice(7), 'rootfs'));
    expect(results.map((r) => r.rootfs)).toEqual([image.rootfs, image.rootfs, image.rootfs]);
    expect(createCalls).toBe(1);
    expect(await readFile(join(image.rootfs, 'image-marker'), 'utf8')).toBe('hi-from-the-image\n');
    expect(image.config.env).toContain('FROM_IMAGE=yes');
    // The temporary container is gone.
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`sandbox.provisioner-image=${inspected.Id}`] },
    });
    expect(left).toEqual([]);
  }, 300_000);

  it('finds the unpacked image again after a restart, without exporting it again', async () => {
    const restarted = new ImageProvisioner({ workDir, docker: countingDocker as Dockerode });
    const again = await restarted.provision(TEST_IMAGE);
    expect(again.rootfs).toBe(image.rootfs);
    expect(createCalls).toBe(1);
  });

  it('names a missing image in its error', async () => {
    await expect(provisioner.provision('mesos-sandbox-no-such-image:1')).rejects.toThrow(
      /Failed to provision image 'mesos-sandbox-no-such-image:1': not found in the local Docker daemon/,
    );
  });

  it('uses overlayfs unless the work dir is itself on an overlay', async () => {
    expect(await provisioner.backend()).toBe(usableBackend);
  });

  for (const backend of ['overlay', 'copy'] as const) {
    it.skipIf(backend === 'overlay' && tmpOnOverlay)(
      `runs a task in the image's root filesystem (${backend} backend) and leaves no mount behind`,
      async () => {
        const sandbox = await mkdtemp(join(workDir, "sand box '"));
        await writeFile(join(sandbox, 'fetched file'), 'from the sandbox\n');
        const script = [
          'cat /image-marker',
          'grep ^ID= /etc/os-release',
          'ls /mnt/mesos/sandbox',
          'echo "sandbox=$MESOS_SANDBOX cwd=$(pwd) from_image=$FROM_IMAGE task=$MESOS_TASK_ID"',
          'echo written > /mnt/mesos/sandbox/written',
          'echo scratch > /etc/scratch',
          'echo bye > /dev/null && test -c /dev/urandom && test -d /dev/pts && test -d /proc/1',
          'echo "pid=$$"',
          // Writes the same hostname back: harmless to the host if /proc/sys were writable after all.
          '(cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname) 2>/dev/null || echo proc-sys-read-only',
          'echo "mounts: $(cut -d" " -f5 /proc/self/mountinfo | tr "\\n" " ")"',
          'test -s /etc/resolv.conf && echo resolv-ok',
        ].join('; ');
        const ran = await runInImage(image, backend, { shell: true, value: script }, { sandbox });
        expect(ran.stderr).toBe('');
        expect(ran.code).toBe(0);
        expect(ran.stdout).toContain('hi-from-the-image');
        expect(ran.stdout).toContain('ID=debian');
        expect(ran.stdout).toContain('fetched file');
        expect(ran.stdout).toContain(
          `sandbox=${CONTAINER_SANDBOX} cwd=${CONTAINER_SANDBOX} from_image=yes task=t1`,
        );
        // The task is pid 1 of its namespace (the shell exec'd unshare, which exec'd it).
        expect(ran.stdout).toContain('pid=1\n');
        expect(ran.stdout).toContain('proc-sys-read-only');
        // The task sees the container's mounts only (mountinfo leaves out those outside its root).
        const inside = /^mounts: (.*)$/m.exec(ran.stdout)?.[1]?.trim().split(' ') ?? [];
        expect(inside).toEqual(
          expect.arrayContaining(['/', '/proc', '/sys', '/dev/null', '/dev/pts', CONTAINER_SANDBOX]),
        );
        expect(inside).not.toContain('/var/lib/docker');
        expect(ran.stdout).toContain('resolv-ok');
        // The host has no such file: that was the image's filesystem.
        expect(existsSync('/image-marker')).toBe(false);
        expect(await readFile(join(sandbox, 'written'), 'utf8')).toBe('written\n');
        // The task's writes stay in its own rootfs, never in the shared image.
        expect(existsSync(join(image.rootfs, 'etc', 'scratch'))).toBe(false);
        const own = join(workDir, 'provisioner', 'containers', ran.containerId);
        const ownWrite =
          backend === 'overlay'
            ? join(own, 'upper', 'etc', 'scratch')
            : join(own, 'rootfs', 'etc', 'scratch');
        expect(await readFile(ownWrite, 'utf8')).toBe('scratch\n');

        // Every mount was in the task's namespace: none is left (nor was ever seen) on the host. Other
        // containers come and go on this host meanwhile, so only ours are looked for.
        const hostMounts = await readFile('/proc/self/mountinfo', 'utf8');
        expect(hostMounts).not.toContain(workDirToken);
        expect(hostMounts).not.toContain(ran.containerId);
        await (backend === 'overlay' ? provisioner : copyProvisioner).destroyContainerRootfs(ran.containerId);
        expect(existsSync(own)).toBe(false);
      },
      120_000,
    );
  }

  it('runs a command given as argv, and the image default command without one', async () => {
    const argv = await runInImage(image, usableBackend, {
      shell: false,
      value: '/bin/cat',
      arguments: ['cat', '/image-marker', '/etc/debian_version'],
    });
    expect(argv.stderr).toBe('');
    expect(argv.code).toBe(0);
    expect(argv.stdout).toMatch(/^hi-from-the-image\n\d+/);
    // No value: the image's Cmd (/bin/bash) is the program, the task's arguments follow it.
    const byDefault = await runInImage(image, usableBackend, {
      shell: false,
      arguments: ['-c', 'echo "$0 default"'],
    });
    expect(byDefault.stderr).toBe('');
    expect(byDefault.stdout).toBe('/bin/bash default\n');
    await provisioner.destroyContainerRootfs(argv.containerId);
    await provisioner.destroyContainerRootfs(byDefault.containerId);
  });

  it('fails the task with the reason when the root filesystem cannot be set up', async () => {
    const missing = join(workDir, 'no such sandbox');
    const ran = await runInImage(
      image,
      'overlay',
      { shell: true, value: 'echo never' },
      { sandbox: missing },
    );
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain(ROOTFS_SETUP_FAILED);
    expect(ran.stderr).toContain('no such sandbox');
    await provisioner.destroyContainerRootfs(ran.containerId);
  });

  it('removes the rootfs of containers it does not know on recovery', async () => {
    const image2 = await provisioner.provision(TEST_IMAGE);
    await provisioner.prepareContainerRootfs('live', image2);
    await provisioner.prepareContainerRootfs('orphan', image2);
    await mkdir(join(workDir, 'provisioner', 'containers', 'orphan', 'upper', 'x'), { recursive: true });
    const removed = await provisioner.recover(['live']);
    expect(removed).toContain('orphan');
    expect(removed).not.toContain('live');
    expect(existsSync(join(workDir, 'provisioner', 'containers', 'orphan'))).toBe(false);
    expect(existsSync(join(workDir, 'provisioner', 'containers', 'live', 'rootfs'))).toBe(true);
    await provisioner.destroyContainerRootfs('live');
  });
});
