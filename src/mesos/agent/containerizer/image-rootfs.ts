// A task in its own root filesystem, made from a container image (ContainerInfo.type MESOS with
// mesos.image), decided purely here; image-provisioner.ts does the I/O that prepares the directories.
//
// The command, environment and working directory come from the image's config as Mesos's
// docker/runtime isolator merges them (src/slave/containerizer/mesos/isolators/docker/runtime.cpp).
// The mounts follow Mesos's filesystem/linux isolator (isolators/filesystem/linux.cpp): proc with
// read-only /proc/{bus,fs,irq,sys,sysrq-trigger}, read-only sysfs with a tmpfs over /sys/fs/cgroup,
// the host's full, null, random, tty, urandom and zero bound into /dev with a private devpts and a
// /dev/shm, masked /proc and /sys paths, and the sandbox at --sandbox_directory (/mnt/mesos/sandbox).
// Unlike Mesos, /dev is not a tmpfs: it is the container's own /dev, where the provisioner has put
// the device placeholders and links (containerLayer), so the namespace's setup runs nothing but
// `mount`. Like Mesos's network isolators for host-networked containers, the container gets the
// host's /etc/hosts, resolv.conf and hostname (copied into its layer). /tmp is the image's (in the
// container's own layer, so private to it), as in Mesos: no tmpfs, which would count against memory.
//
// The joining shell (linux-launcher.ts joinScript: pid 1 of fresh pid+mount namespaces, already in
// the task's cgroups) runs rootfsScript(): the mounts happen in the task's own mount namespace, so
// none is ever seen on the host and all of them vanish with the namespace when the task ends. It
// then execs util-linux `unshare --root=<rootfs> --wd=<cwd> -- argv`, which chroots, changes
// directory and execs the task (no namespace flag: no further namespace). chroot rather than
// pivot_root: after pivot_root the host's tree still has to be unmounted by a program found in the
// new root, and an image need not have one (nor a shell, nor a libc); unshare runs from the host's
// root and needs nothing from the image but the task's own program. The host's mounts stay in the
// namespace underneath, out of the task's reach by path (not against a root task calling chroot(2)
// itself, which is no sandbox boundary here).
import { posix } from 'node:path';

/** Mesos's --sandbox_directory default: where a container with an image sees its sandbox. */
export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

/** PATH when neither the image nor the task sets one (Mesos's os::host_default_path()). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The parts of a Docker image's config that Mesos uses; unset fields are empty, as Docker reports them. */
export interface ImageConfig {
  /** `NAME=value` entries. */
  env: string[];
  workingDir: string;
  entrypoint: string[];
  cmd: string[];
  /** Mesos only logs that an image's user is not supported and runs the task as it would without. */
  user: string;
}

/** A container's own root filesystem, as the provisioner's backend made it. */
export type ContainerRootfs =
  | {
      /** An overlay of the image's rootfs, mounted at `rootfs` inside the task's mount namespace. */
      backend: 'overlay';
      rootfs: string;
      lowerdir: string;
      upperdir: string;
      workdir: string;
    }
  | {
      /** A copy of the image's rootfs (when overlayfs is not usable): `rootfs` is the directory itself. */
      backend: 'copy';
      rootfs: string;
    };

/** A task's CommandInfo as far as running it goes. */
export interface TaskCommand {
  shell: boolean;
  value?: string;
  arguments?: string[];
}

/** What runs: `/bin/sh -c value` (shell), or the program `value` with argv `arguments`. */
export interface ResolvedCommand {
  shell: boolean;
  value: string;
  arguments: string[];
}

export interface ImageTask {
  command: ResolvedCommand;
  /** The task's whole environment inside the container. */
  env: Record<string, string>;
  /** The working directory inside the container. */
  workingDir: string;
}

export class ImageCommandError extends Error {}

/**
 * The command that runs in the image, merged as Mesos's docker/runtime isolator does: a shell command
 * or a command with a value runs as given; without a value the image's Entrypoint is the program
 * (then the task's arguments, else the image's Cmd, follow it), else Cmd[0] is (then the task's
 * arguments, else the rest of Cmd). Throws ImageCommandError in Mesos's words when nothing can run.
 */
export function imageCommand(
  command: TaskCommand,
  config: Pick<ImageConfig, 'entrypoint' | 'cmd'>,
): ResolvedCommand {
  const args = command.arguments ?? [];
  if (command.shell) {
    if (command.value === undefined)
      throw new ImageCommandError('Shell specified but no command value provided');
    return { shell: true, value: command.value, arguments: args };
  }
  if (command.value !== undefined) return { shell: false, value: command.value, arguments: args };
  const [entry, ...entryRest] = config.entrypoint;
  if (entry !== undefined) {
    const tail = args.length > 0 ? args : config.cmd;
    return { shell: false, value: entry, arguments: [entry, ...entryRest, ...tail] };
  }
  const [cmd, ...cmdRest] = config.cmd;
  if (cmd !== undefined) {
    return { shell: false, value: cmd, arguments: [cmd, ...(args.length > 0 ? args : cmdRest)] };
  }
  throw new ImageCommandError('No executable is found');
}

/**
 * The task's environment in the image: the image's Env under the task's (which should be built
 * without the agent's own PATH, HOME, ...: the image's are the ones that fit its filesystem),
 * MESOS_SANDBOX as the container sees it, and a default PATH when neither sets one. Image entries
 * without `=` are skipped, as Mesos skips them.
 */
export function imageEnvironment(
  imageEnv: readonly string[],
  taskEnv: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  Object.assign(env, taskEnv);
  env.MESOS_SANDBOX = CONTAINER_SANDBOX;
  return env;
}

/** The image's WorkingDir (kept inside the container's root), else the sandbox, as Mesos chooses. */
export function imageWorkingDir(config: Pick<ImageConfig, 'workingDir'>): string {
  return config.workingDir ? posix.resolve('/', config.workingDir) : CONTAINER_SANDBOX;
}

/** Everything Mesos takes from the image for a task: its command, environment and working directory. */
export function imageTask(
  config: ImageConfig,
  command: TaskCommand,
  taskEnv: Record<string, string>,
): ImageTask {
  return {
    command: imageCommand(command, config),
    env: imageEnvironment(config.env, taskEnv),
    workingDir: imageWorkingDir(config),
  };
}

/**
 * The argv that runs in the container: `/bin/sh -c value`, or the program `value` with the rest of
 * `arguments`. That program's argv[0] is `value` itself, not arguments[0]: unshare, which execs it,
 * cannot set another, and doing so would need a helper inside the image.
 */
export function imageArgv(command: TaskCommand): string[] {
  if (command.value === undefined || command.value === '')
    throw new ImageCommandError('a command needs a value');
  if (command.shell) return ['/bin/sh', '-c', command.value];
  return [command.value, ...(command.arguments ?? []).slice(1)];
}

/** Something the provisioner puts into a container's own layer before the task starts (paths inside it). */
export type LayerEntry =
  /** A directory, with its missing parents; `onlyIfAbsent`: only when the image has nothing there. */
  | { kind: 'dir'; path: string; mode?: number; onlyIfAbsent?: boolean }
  /** An empty file: the target of a bind mount. */
  | { kind: 'file'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  /** A copy of the host's file, when the host has it. */
  | { kind: 'hostFile'; path: string; source: string };

const PROC_READ_ONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const STANDARD_DEVICES = ['full', 'null', 'random', 'tty', 'urandom', 'zero'];
const DEVICE_LINKS: Array<[name: string, target: string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
  ['ptmx', 'pts/ptmx'],
];
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/key-users',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/firmware',
];
const HOST_FILES = ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname'];

/**
 * The container's own layer: every mount point and bind target rootfsScript's mounts need (made on
 * the host, so the setup in the namespace runs no mkdir), the /dev links, and the host's hosts,
 * resolv.conf and hostname.
 */
export function containerLayer(workingDir: string): LayerEntry[] {
  const dirs = ['/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/etc', CONTAINER_SANDBOX];
  const cwd = posix.resolve('/', workingDir);
  if (!dirs.includes(cwd)) dirs.push(cwd);
  return [
    ...dirs.map((path): LayerEntry => ({ kind: 'dir', path })),
    // The image's /tmp when it has one; an image without one still gets a usable /tmp.
    { kind: 'dir', path: '/tmp', mode: 0o1777, onlyIfAbsent: true },
    ...STANDARD_DEVICES.map((d): LayerEntry => ({ kind: 'file', path: `/dev/${d}` })),
    ...DEVICE_LINKS.map(([name, target]): LayerEntry => ({ kind: 'symlink', path: `/dev/${name}`, target })),
    ...HOST_FILES.map((path): LayerEntry => ({ kind: 'hostFile', path, source: path })),
  ];
}

export interface RootfsPlan {
  rootfs: ContainerRootfs;
  /** The task's sandbox on the host, mounted at CONTAINER_SANDBOX. */
  sandbox: string;
  /** The working directory inside the container (imageWorkingDir), already in the container's layer. */
  workingDir: string;
  /** Absolute path of util-linux unshare on the host (2.35 or later, for --root and --wd). */
  unshare: string;
  /** Where the mount table is written on the host; default: `fstab` beside the rootfs directory. */
  fstab?: string;
  /** PATH for `mount`: the host's, never the task's. */
  setupPath?: string;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** An overlay mount option's value: overlayfs splits options at `,` and lowerdir at `:`; `\` escapes. */
export const overlayOptionValue = (path: string): string => path.replace(/[\\,:]/g, '\\$&');

/** A field of an fstab line, escaped as libmount unescapes it (octal `\ooo`). */
export const fstabField = (text: string): string =>
  text.replace(/[\\\s#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

export const ROOTFS_SETUP_FAILED = 'Failed to prepare the root filesystem of the container';

/**
 * The shell code the joining shell runs in place of the task. In a subshell with the host's PATH it
 * writes the container's mount table (with shell builtins; mounts of kernel files this host lacks
 * are left out) and mounts it all with one `mount -a`: about 4 ms here, where one `mount` per mount
 * (25 of them) took about 70 ms. A failure prints ROOTFS_SETUP_FAILED after mount's own message and
 * exits 1. Then `exec unshare --root --wd -- "$@"`: the positional parameters are the argv to run
 * (imageArgv). Needs the container's layer (containerLayer) in place.
 */
export function rootfsScript(plan: RootfsPlan): string {
  const { rootfs } = plan;
  const root = rootfs.rootfs;
  const at = (path: string): string => fstabField(posix.join(root, path));
  const line = (source: string, target: string, type: string, options: string): string =>
    `${source} ${target} ${type} ${options} 0 0`;
  const always: string[] = [];
  if (rootfs.backend === 'overlay') {
    const opts = [
      `lowerdir=${overlayOptionValue(rootfs.lowerdir)}`,
      `upperdir=${overlayOptionValue(rootfs.upperdir)}`,
      `workdir=${overlayOptionValue(rootfs.workdir)}`,
    ].join(',');
    always.push(line('overlay', fstabField(root), 'overlay', fstabField(opts)));
  } else {
    // As Mesos binds a rootfs onto itself: the container's / is a mount of its own.
    always.push(line(fstabField(root), fstabField(root), 'none', 'bind'));
  }
  always.push(line('proc', at('/proc'), 'proc', 'nosuid,noexec,nodev'));
  const ifExists: Array<[hostPath: string, fstabLine: string]> = PROC_READ_ONLY.map((p) => [
    p,
    line(at(p), at(p), 'none', 'bind,ro,nosuid,noexec,nodev'),
  ]);
  const afterProc = [line('sysfs', at('/sys'), 'sysfs', 'ro,nosuid,noexec,nodev')];
  const afterSys: Array<[string, string]> = [
    ['/sys/fs/cgroup', line('tmpfs', at('/sys/fs/cgroup'), 'tmpfs', 'mode=755,nosuid,noexec,nodev')],
    ...STANDARD_DEVICES.map((d): [string, string] => [
      `/dev/${d}`,
      line(`/dev/${d}`, at(`/dev/${d}`), 'none', 'bind'),
    ]),
  ];
  const devices = [
    line('devpts', at('/dev/pts'), 'devpts', 'newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec'),
    line('tmpfs', at('/dev/shm'), 'tmpfs', 'mode=1777,nosuid,nodev,strictatime'),
    line(fstabField(plan.sandbox), at(CONTAINER_SANDBOX), 'none', 'rbind'),
  ];
  const print = (lines: string[]): string => `printf '%s\\n' ${lines.map(quote).join(' ')}`;
  const maybe = ([hostPath, l]: [string, string]): string => `if [ -e ${hostPath} ]; then ${print([l])}; fi`;
  // A masked directory gets an empty read-only tmpfs over it, a masked file /dev/null.
  const masked = MASKED_PATHS.map(
    (m) =>
      `if [ -d ${m} ]; then ${print([line('tmpfs', at(m), 'tmpfs', 'ro,nosuid,noexec,nodev')])}; ` +
      `elif [ -e ${m} ]; then ${print([line('/dev/null', at(m), 'none', 'bind')])}; fi`,
  );
  const table = [
    print(always),
    ...ifExists.map(maybe),
    print(afterProc),
    ...afterSys.map(maybe),
    print(devices),
    ...masked,
  ];
  const fstab = plan.fstab ?? posix.join(posix.dirname(root), 'fstab');
  const setup = [
    `( PATH=${quote(plan.setupPath ?? DEFAULT_PATH)}`,
    `{\n  ${table.join('\n  ')}\n} > ${quote(fstab)} &&`,
    // Nothing mounted from here on may propagate to the host. unshare's default propagation has
    // made every mount private already; a launcher that kept shared mounts gets them made private
    // (one exec of mount, ~2 ms, that is skipped when the shell's own scan finds none shared).
    `while read -r l; do case $l in *' shared:'*) mount -n --make-rprivate / || exit; break;; esac; done < /proc/self/mountinfo &&`,
    // -n: a host whose /etc/mtab is a file keeps it untouched.
    `mount -n -a -T ${quote(fstab)}`,
    `) || { echo ${quote(ROOTFS_SETUP_FAILED)} >&2; exit 1; }`,
  ].join('\n');
  const run = [plan.unshare, `--root=${root}`, `--wd=${posix.resolve('/', plan.workingDir)}`]
    .map(quote)
    .join(' ');
  return `${setup}\nexec ${run} -- "$@"`;
}

/**
 * What LinuxLauncher.command() returns for a task with a rootfs: the joining shell's code and its
 * `$0` and positional parameters (as for `/bin/sh -c script $0 args...`).
 */
export function rootfsCommand(plan: RootfsPlan, command: TaskCommand): { then: string; args: string[] } {
  return { then: rootfsScript(plan), args: ['sh', ...imageArgv(command)] };
}
