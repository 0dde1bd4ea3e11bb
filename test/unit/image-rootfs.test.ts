import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTAINER_SANDBOX,
  containerLayer,
  DEFAULT_PATH,
  fstabField,
  ImageCommandError,
  imageArgv,
  imageCommand,
  imageEnvironment,
  imageTask,
  imageWorkingDir,
  overlayOptionValue,
  ROOTFS_SETUP_FAILED,
  rootfsCommand,
  type ContainerRootfs,
  type ImageConfig,
} from '../../src/mesos/agent/containerizer/image-rootfs.js';

const config = (c: Partial<ImageConfig> = {}): ImageConfig => ({
  env: [],
  workingDir: '',
  entrypoint: [],
  cmd: [],
  user: '',
  ...c,
});

describe('imageCommand (Mesos docker/runtime merge)', () => {
  const both = { entrypoint: ['/entry', '-e'], cmd: ['/cmd', '-c'] };

  it('runs a shell command as given, whatever the image says', () => {
    expect(imageCommand({ shell: true, value: 'echo hi' }, both)).toEqual({
      shell: true,
      value: 'echo hi',
      arguments: [],
    });
  });

  it('refuses a shell command without a value', () => {
    expect(() => imageCommand({ shell: true }, both)).toThrow(
      new ImageCommandError('Shell specified but no command value provided'),
    );
  });

  it('runs a command with a value as given', () => {
    expect(imageCommand({ shell: false, value: '/bin/ls', arguments: ['ls', '-l'] }, both)).toEqual({
      shell: false,
      value: '/bin/ls',
      arguments: ['ls', '-l'],
    });
  });

  it('without a value runs the entrypoint followed by the image cmd', () => {
    expect(imageCommand({ shell: false }, both)).toEqual({
      shell: false,
      value: '/entry',
      arguments: ['/entry', '-e', '/cmd', '-c'],
    });
  });

  it("without a value runs the entrypoint followed by the task's arguments instead of cmd", () => {
    expect(imageCommand({ shell: false, arguments: ['a', 'b'] }, both).arguments).toEqual([
      '/entry',
      '-e',
      'a',
      'b',
    ]);
  });

  it('without a value or entrypoint runs cmd, whose arguments the task can replace', () => {
    const image = { entrypoint: [], cmd: ['/cmd', '-c', 'x'] };
    expect(imageCommand({ shell: false }, image)).toEqual({
      shell: false,
      value: '/cmd',
      arguments: ['/cmd', '-c', 'x'],
    });
    expect(imageCommand({ shell: false, arguments: ['y'] }, image).arguments).toEqual(['/cmd', 'y']);
  });

  it('fails when neither the task nor the image names a program', () => {
    expect(() => imageCommand({ shell: false }, { entrypoint: [], cmd: [] })).toThrow(
      'No executable is found',
    );
  });
});

describe('imageEnvironment', () => {
  it("puts the image's variables under the task's and the sandbox at its container path", () => {
    const env = imageEnvironment(['PATH=/opt/bin:/bin', 'A=image', 'B=x=y', 'NOEQUALS', '=empty'], {
      A: 'task',
      MESOS_SANDBOX: '/var/lib/mesos/slaves/S/frameworks/F/executors/E/runs/C',
      MESOS_DIRECTORY: '/var/lib/mesos/slaves/S/frameworks/F/executors/E/runs/C',
    });
    expect(env).toEqual({
      PATH: '/opt/bin:/bin',
      A: 'task',
      B: 'x=y',
      MESOS_SANDBOX: CONTAINER_SANDBOX,
      MESOS_DIRECTORY: '/var/lib/mesos/slaves/S/frameworks/F/executors/E/runs/C',
    });
  });

  it('gives a PATH when neither sets one', () => {
    expect(imageEnvironment([], {}).PATH).toBe(DEFAULT_PATH);
    expect(imageEnvironment([], { PATH: '/task' }).PATH).toBe('/task');
  });
});

describe('imageWorkingDir and imageTask', () => {
  it("is the image's WorkingDir, kept inside the container, else the sandbox", () => {
    expect(imageWorkingDir({ workingDir: '' })).toBe(CONTAINER_SANDBOX);
    expect(imageWorkingDir({ workingDir: '/srv/app/' })).toBe('/srv/app');
    expect(imageWorkingDir({ workingDir: 'app' })).toBe('/app');
    expect(imageWorkingDir({ workingDir: '/../../etc' })).toBe('/etc');
  });

  it('puts the three together', () => {
    const task = imageTask(config({ env: ['X=1'], workingDir: '/w', cmd: ['/run'] }), { shell: false }, {});
    expect(task).toEqual({
      command: { shell: false, value: '/run', arguments: ['/run'] },
      env: { PATH: DEFAULT_PATH, X: '1', MESOS_SANDBOX: CONTAINER_SANDBOX },
      workingDir: '/w',
    });
  });
});

describe('imageArgv', () => {
  it('runs a shell command with /bin/sh -c', () => {
    expect(imageArgv({ shell: true, value: 'echo "$HOME"' })).toEqual(['/bin/sh', '-c', 'echo "$HOME"']);
  });

  it('runs the program with the arguments after argv[0]', () => {
    expect(imageArgv({ shell: false, value: '/bin/echo', arguments: ['ECHO', 'a b', "c'd"] })).toEqual([
      '/bin/echo',
      'a b',
      "c'd",
    ]);
    expect(imageArgv({ shell: false, value: '/bin/true' })).toEqual(['/bin/true']);
  });

  it('needs a value', () => {
    expect(() => imageArgv({ shell: true, value: '' })).toThrow('a command needs a value');
  });
});

describe('escaping for mount', () => {
  it('writes fstab fields with octal escapes', () => {
    expect(fstabField('/a b\tc\nd\\e#f,g:h')).toBe('/a\\040b\\011c\\012d\\134e\\043f,g:h');
  });

  it('escapes overlay option separators with a backslash', () => {
    expect(overlayOptionValue('/x,y:z\\w')).toBe('/x\\,y\\:z\\\\w');
  });
});

describe('containerLayer', () => {
  it('has every mount point and bind target the mounts need, and the host files', () => {
    const layer = containerLayer('/srv/app');
    const paths = (kind: string): string[] => layer.filter((e) => e.kind === kind).map((e) => e.path);
    expect(paths('dir')).toEqual(
      expect.arrayContaining([
        '/proc',
        '/sys',
        '/dev',
        '/dev/pts',
        '/dev/shm',
        CONTAINER_SANDBOX,
        '/srv/app',
        '/tmp',
      ]),
    );
    expect(paths('file')).toEqual([
      '/dev/full',
      '/dev/null',
      '/dev/random',
      '/dev/tty',
      '/dev/urandom',
      '/dev/zero',
    ]);
    expect(layer).toContainEqual({ kind: 'symlink', path: '/dev/ptmx', target: 'pts/ptmx' });
    expect(layer).toContainEqual({ kind: 'dir', path: '/tmp', mode: 0o1777, onlyIfAbsent: true });
    expect(paths('hostFile')).toEqual(['/etc/hosts', '/etc/resolv.conf', '/etc/hostname']);
  });

  it('lists the sandbox once when it is the working directory', () => {
    const sandboxes = containerLayer(CONTAINER_SANDBOX).filter((e) => e.path === CONTAINER_SANDBOX);
    expect(sandboxes).toHaveLength(1);
  });
});

// The script run for real by /bin/sh, with `mount` and `unshare` replaced by stubs that record their
// arguments: every path and argument must arrive intact, however it is spelt.
describe('rootfsScript run by /bin/sh', () => {
  const NASTY = `it's a "dir" with $HOME, \`x\`, commas, colons: and \\ backslash`;
  let dir: string;
  let stubs: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rootfs-script-'));
    stubs = await mkdtemp(join(tmpdir(), 'rootfs-stubs-'));
    // Each call: its arguments separated by \x1f, calls separated by \x1e.
    const recorder = (name: string, exit: string): string =>
      `#!/bin/sh\nprintf '%s\\037' "$@" >> "$STUB_LOG/${name}"\nprintf '\\036' >> "$STUB_LOG/${name}"\n${exit}\n`;
    await writeFile(join(stubs, 'mount'), recorder('mount', 'exit "${MOUNT_EXIT:-0}"'));
    await writeFile(join(stubs, 'unshare'), recorder('unshare', 'exit 0'));
    await Promise.all(['mount', 'unshare'].map((f) => chmod(join(stubs, f), 0o755)));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(stubs, { recursive: true, force: true });
  });

  const calls = async (log: string, name: string): Promise<string[][]> => {
    const text = await readFile(join(log, name), 'utf8').catch(() => '');
    return text
      .split('\x1e')
      .filter((c) => c !== '')
      .map((c) => c.split('\x1f').slice(0, -1));
  };

  async function run(
    rootfs: ContainerRootfs,
    argv: string[],
    mountExit = 0,
  ): Promise<{ code: number | null; stderr: string; mount: string[][]; unshare: string[][]; fstab: string }> {
    const log = await mkdtemp(join(dir, 'log-'));
    const fstab = join(dir, `${NASTY} fstab`);
    const { then, args } = rootfsCommand(
      {
        rootfs,
        sandbox: `/sand box/${NASTY}`,
        workingDir: '/work dir',
        unshare: join(stubs, 'unshare'),
        fstab,
        setupPath: stubs,
      },
      { shell: false, value: argv[0]!, arguments: argv },
    );
    const child = spawn('/bin/sh', ['-c', then, ...args], {
      env: { STUB_LOG: log, MOUNT_EXIT: String(mountExit), PATH: '/nonexistent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return {
      code,
      stderr,
      mount: await calls(log, 'mount'),
      unshare: await calls(log, 'unshare'),
      fstab: await readFile(fstab, 'utf8').catch(() => ''),
    };
  }

  const unescape = (field: string): string =>
    field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const fstabLines = (text: string): string[][] =>
    text
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(unescape));

  const overlay: ContainerRootfs = {
    backend: 'overlay',
    rootfs: `/work/${NASTY}/rootfs`,
    lowerdir: `/work/images/${NASTY}`,
    upperdir: `/work/${NASTY}/upper`,
    workdir: `/work/${NASTY}/work`,
  };

  it('mounts the whole table with one mount -a, then execs unshare into the rootfs with the argv', async () => {
    const argv = ['/bin/echo', 'plain', "it's", 'a "b"', '$HOME', '`x`', ''];
    const result = await run(overlay, argv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const last = result.mount.at(-1)!;
    expect(last).toEqual(['-n', '-a', '-T', join(dir, `${NASTY} fstab`)]);
    // The propagation scan: mount runs for it only when this process sees a shared mount.
    const shared = readFileSync('/proc/self/mountinfo', 'utf8').includes(' shared:');
    expect(result.mount.slice(0, -1)).toEqual(shared ? [['-n', '--make-rprivate', '/']] : []);
    expect(result.unshare).toEqual([
      [`--root=${overlay.rootfs}`, '--wd=/work dir', '--', '/bin/echo', ...argv.slice(1)],
    ]);
  });

  it('writes a mount table whose fields are the exact paths, in the order mounts need', async () => {
    const lines = fstabLines((await run(overlay, ['/bin/true'])).fstab);
    const root = overlay.rootfs;
    expect(lines[0]).toEqual([
      'overlay',
      root,
      'overlay',
      `lowerdir=${overlayOptionValue(overlay.lowerdir)},upperdir=${overlayOptionValue(overlay.upperdir)},` +
        `workdir=${overlayOptionValue(overlay.workdir)}`,
      '0',
      '0',
    ]);
    expect(lines[1]).toEqual(['proc', `${root}/proc`, 'proc', 'nosuid,noexec,nodev', '0', '0']);
    const targets = lines.map((l) => l[1]);
    expect(targets).toContain(`${root}/proc/sys`);
    expect(targets.indexOf(`${root}/sys`)).toBeGreaterThan(targets.indexOf(`${root}/proc`));
    expect(lines).toContainEqual(['/dev/null', `${root}/dev/null`, 'none', 'bind', '0', '0']);
    expect(lines).toContainEqual([
      `/sand box/${NASTY}`,
      `${root}${CONTAINER_SANDBOX}`,
      'none',
      'rbind',
      '0',
      '0',
    ]);
    expect(lines.find((l) => l[1] === `${root}/proc/sys`)?.[3]).toBe('bind,ro,nosuid,noexec,nodev');
    // Kernel files this host does not have are left out rather than failing the mount.
    for (const masked of ['/proc/kcore', '/proc/timer_stats', '/sys/firmware']) {
      expect(targets.includes(`${root}${masked}`)).toBe(existsSync(masked));
    }
    // Every line has six fields: nothing in a path split a field.
    expect(lines.every((l) => l.length === 6)).toBe(true);
  });

  it('binds a copied rootfs onto itself instead of an overlay', async () => {
    const copy = `/work/${NASTY}/copy`;
    const lines = fstabLines((await run({ backend: 'copy', rootfs: copy }, ['/bin/true'])).fstab);
    expect(lines.map((l) => l[0])).not.toContain('overlay');
    expect(lines[0]).toEqual([copy, copy, 'none', 'bind', '0', '0']);
    expect(lines[1]).toEqual(['proc', `${copy}/proc`, 'proc', 'nosuid,noexec,nodev', '0', '0']);
  });

  it('exits 1 with the reason and runs nothing when a mount fails', async () => {
    const result = await run(overlay, ['/bin/true'], 32);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${ROOTFS_SETUP_FAILED}\n`);
    expect(result.unshare).toEqual([]);
  });

  it('runs a shell command as /bin/sh -c inside the rootfs', async () => {
    const { args } = rootfsCommand(
      { rootfs: overlay, sandbox: '/s', workingDir: '/', unshare: '/usr/bin/unshare' },
      { shell: true, value: 'echo "$0"' },
    );
    expect(args).toEqual(['sh', '/bin/sh', '-c', 'echo "$0"']);
  });
});
