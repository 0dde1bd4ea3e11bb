// Runs the real Apache ZooKeeper from Debian's `zookeeper` package (3.8): the java command line,
// the config files, and a start that waits until the server answers.
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { findExecutable } from '../util/executables.js';
import { isPortFree } from '../util/net.js';
import { sleep } from '../util/wait.js';

const JAVA_DIR = '/usr/share/java';
const ZOOKEEPER_JAR = `${JAVA_DIR}/zookeeper.jar`;
const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

// zookeeper.jar's manifest Class-Path already names jute, netty, jackson, jetty, metrics and
// slf4j-api, but no slf4j binding: without one ZooKeeper logs nothing at all (slf4j falls back to
// its no-op logger), and a server that fails to start would leave an empty log. Debian's package
// depends on log4j 1.2 for this, so bind slf4j to it.
const CLASSPATH_JARS = [ZOOKEEPER_JAR, `${JAVA_DIR}/slf4j-log4j12.jar`, `${JAVA_DIR}/log4j-1.2.jar`];

export const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'mntr', 'stat'] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

export interface ZooKeeperPeer {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface ZooKeeperConfigOptions {
  dataDir: string;
  clientPort: number;
  /** Address the client port binds to. Default 127.0.0.1. */
  clientHost?: string;
  /** This server's id in `peers`; required with peers. */
  serverId?: number;
  /** The whole ensemble, this server included. Absent (or one entry) means standalone. */
  peers?: ZooKeeperPeer[];
  /** ZooKeeper's time unit; session timeouts are clamped to [2, 20] ticks. Default 2000. */
  tickTimeMs?: number;
}

export interface ZooKeeperStartOptions extends Omit<ZooKeeperConfigOptions, 'tickTimeMs'> {
  /** Where the server's stdout and stderr go (appended). */
  logFile: string;
  tickTimeMs?: number;
  /** How long to wait for `ruok` to answer `imok`. Default 30 000 ms. */
  startTimeoutMs?: number;
}

export interface RunningZooKeeper {
  pid: number;
  /** `host:port` for ZkClient.connect. */
  connectionString: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export function isZooKeeperInstalled(): boolean {
  return existsSync(ZOOKEEPER_JAR) && findJava() !== null;
}

export function zookeeperJavaCommand(opts: { configFile: string }): { command: string; args: string[] } {
  const java = findJava();
  if (java === null) throw new Error('java not found (set JAVA_HOME or install default-jre-headless)');
  const configFile = resolve(opts.configFile);
  // writeZooKeeperConfig puts a log4j.properties beside zoo.cfg; otherwise use Debian's, which
  // reads its root logger from a system property.
  const ownLog4j = join(dirname(configFile), 'log4j.properties');
  const logging = existsSync(ownLog4j)
    ? [`-Dlog4j.configuration=file:${ownLog4j}`]
    : ['-Dzookeeper.root.logger=INFO,CONSOLE', '-Dzookeeper.console.threshold=INFO'];
  return {
    command: java,
    args: [
      // A sandbox ZooKeeper holds a few kilobytes of znodes; a small heap and the serial collector
      // keep its footprint and start-up low, and C1 alone is plenty for its load (it starts ~15%
      // faster than with C2 here).
      '-Xms16m',
      '-Xmx128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      // No hsperfdata file in /tmp per server, and a hard stop instead of limping on after an OOM.
      '-XX:-UsePerfData',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-Dzookeeper.admin.enableServer=false',
      ...logging,
      '-cp',
      ['/etc/zookeeper/conf', ...CLASSPATH_JARS].join(':'),
      MAIN_CLASS,
      configFile,
    ],
  };
}

/** Writes zoo.cfg, log4j.properties and, for an ensemble, myid into dataDir; returns zoo.cfg's path. */
export function writeZooKeeperConfig(opts: ZooKeeperConfigOptions): string {
  const dataDir = resolve(opts.dataDir);
  const peers = opts.peers ?? [];
  const ensemble = peers.length > 1;
  if (peers.length > 0) {
    if (opts.serverId === undefined) throw new Error('writeZooKeeperConfig: serverId is required with peers');
    if (!peers.some((p) => p.id === opts.serverId)) {
      throw new Error(`writeZooKeeperConfig: serverId ${opts.serverId} is not among the peers' ids`);
    }
  }
  mkdirSync(dataDir, { recursive: true });

  const lines = [
    `tickTime=${opts.tickTimeMs ?? 2000}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `clientPort=${opts.clientPort}`,
    `clientPortAddress=${opts.clientHost ?? '127.0.0.1'}`,
    // Its Jetty admin server would take port 8080, which is Marathon's.
    'admin.enableServer=false',
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS.join(',')}`,
    // Every sandbox process connects from the same address; the default cap of 60 per IP is for
    // shared production ensembles.
    'maxClientCnxns=0',
    // A sandbox's data is disposable: skip the fsync per write and the 64 MB log preallocation.
    // (Unknown keys become zookeeper.* system properties, which is how forceSync is read.)
    'forceSync=no',
    'preAllocSize=1024',
    `standaloneEnabled=${ensemble ? 'false' : 'true'}`,
  ];
  for (const peer of peers)
    lines.push(`server.${peer.id}=${peer.host}:${peer.quorumPort}:${peer.electionPort}`);

  const configFile = join(dataDir, 'zoo.cfg');
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  writeFileSync(join(dataDir, 'log4j.properties'), LOG4J_PROPERTIES);
  if (peers.length > 0) writeFileSync(join(dataDir, 'myid'), `${opts.serverId}\n`);
  return configFile;
}

const LOG4J_PROPERTIES = `log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`;

export async function startZooKeeper(opts: ZooKeeperStartOptions): Promise<RunningZooKeeper> {
  const host = opts.clientHost ?? '127.0.0.1';
  const connectionString = `${host.includes(':') ? `[${host}]` : host}:${opts.clientPort}`;
  // Otherwise `ruok` could be answered by whatever already listens there (another ZooKeeper, say),
  // and this one would be reported as up while it fails to bind.
  if (!(await isPortFree(opts.clientPort, host))) {
    throw new Error(`cannot start ZooKeeper: ${connectionString} is already in use`);
  }

  const configFile = writeZooKeeperConfig(opts);
  const { command, args } = zookeeperJavaCommand({ configFile });
  mkdirSync(dirname(resolve(opts.logFile)), { recursive: true });
  const logFd = openSync(opts.logFile, 'a');
  const child = (() => {
    try {
      return spawn(command, args, { stdio: ['ignore', logFd, logFd], cwd: dirname(configFile) });
    } finally {
      closeSync(logFd);
    }
  })();

  // An object, not a `let`: TypeScript would narrow a `let` to null, not seeing the callbacks set it.
  const state: { exit: string | null } = { exit: null };
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      state.exit = signal ? `signal ${signal}` : `code ${code}`;
      resolveExit();
    });
    child.once('error', (err) => {
      state.exit = `spawn error: ${err.message}`;
      resolveExit();
    });
  });

  const stop = async (): Promise<void> => {
    if (state.exit === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  };

  // `ruok` says imok as soon as the client port is bound, before a standalone server has loaded its
  // database; clients connecting then are dropped. An ensemble member cannot serve until a majority
  // is up, so for it `ruok` is all a start can wait for (see waitForZooKeeper's `serving`).
  const standalone = (opts.peers ?? []).length <= 1;
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (state.exit !== null) {
      throw new Error(
        `ZooKeeper on ${connectionString} exited (${state.exit}) before answering\n${logTail(opts.logFile)}`,
      );
    }
    if (await isUp(host, opts.clientPort, standalone)) break;
    if (Date.now() >= deadline) {
      await stop();
      throw new Error(
        `ZooKeeper on ${connectionString} did not ${standalone ? 'serve requests' : "answer 'ruok'"} within ${timeoutMs} ms\n${logTail(opts.logFile)}`,
      );
    }
    await sleep(50);
  }

  if (child.pid === undefined) throw new Error('ZooKeeper started without a pid');
  return { pid: child.pid, connectionString, stop };
}

/**
 * Waits until the server at host:port answers `ruok`. With `serving`, also until it serves
 * requests (an ensemble member answers `ruok` before it has joined a quorum).
 */
export async function waitForZooKeeper(
  host: string,
  port: number,
  timeoutMs: number,
  opts: { serving?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isUp(host, port, opts.serving ?? false)) return;
    if (Date.now() >= deadline) {
      const answer = await fourLetterWord(host, port, opts.serving ? 'srvr' : 'ruok', 1000).catch(
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      throw new Error(
        `ZooKeeper at ${host}:${port} not ${opts.serving ? 'serving' : 'answering'} within ${timeoutMs} ms: ${answer.trim() || 'no answer'}`,
      );
    }
    await sleep(50);
  }
}

async function isUp(host: string, port: number, serving: boolean): Promise<boolean> {
  try {
    if ((await fourLetterWord(host, port, 'ruok', 1000)) !== 'imok') return false;
    // Only a serving server reports its Mode (standalone, leader, follower, observer).
    return !serving || /^Mode: /m.test(await fourLetterWord(host, port, 'srvr', 1000));
  } catch {
    return false;
  }
}

/** Sends a four-letter-word command and resolves with the whole answer. */
export function fourLetterWord(
  host: string,
  port: number,
  word: FourLetterWord,
  timeoutMs = 2000,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`'${word}' to ${host}:${port} timed out`)));
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolvePromise(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function findJava(): string | null {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : null;
  if (fromHome) {
    try {
      accessSync(fromHome, constants.X_OK);
      return fromHome;
    } catch {
      // JAVA_HOME names no usable java: look on the PATH as without it.
    }
  }
  return findExecutable('java');
}

function logTail(logFile: string, lines = 20): string {
  try {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `last ${lines} lines of ${logFile}:\n${tail}`;
  } catch (err) {
    return `(could not read ${logFile}: ${err instanceof Error ? err.message : String(err)})`;
  }
}
