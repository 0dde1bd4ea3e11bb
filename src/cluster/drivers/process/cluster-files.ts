// The process driver's files: <root>/clusters/<name>/cluster.json (what was planned and where) and
// <root>/clusters/<name>/<node-id>/{node.pid,node.log,...}. A cluster is found again from these.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../../util/wait.js';
import type { ClusterRecord } from '../driver.js';
import type { Role } from '../../spec.js';
import type { ProcessAllocation } from './addresses.js';

export interface ProcessNodeEntry {
  id: string;
  role: Role;
  ip: string;
  port: number;
  /** `sandbox-node` arguments, role first. */
  argv: string[];
}

export interface ProcessClusterFile {
  record: ClusterRecord;
  allocation: ProcessAllocation;
  nodes: ProcessNodeEntry[];
}

export interface PidFile {
  pid: number;
  startTime: number;
}

export class ClusterFiles {
  constructor(readonly root: string) {}

  get clustersDir(): string {
    return join(this.root, 'clusters');
  }

  clusterDir(name: string): string {
    return join(this.clustersDir, name);
  }

  nodeDir(name: string, id: string): string {
    return join(this.clusterDir(name), id);
  }

  logFile(name: string, id: string): string {
    return join(this.nodeDir(name, id), 'node.log');
  }

  names(): string[] {
    try {
      return readdirSync(this.clustersDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  read(name: string): ProcessClusterFile | null {
    try {
      return JSON.parse(
        readFileSync(join(this.clusterDir(name), 'cluster.json'), 'utf8'),
      ) as ProcessClusterFile;
    } catch {
      return null;
    }
  }

  write(file: ProcessClusterFile): void {
    const dir = this.clusterDir(file.record.name);
    mkdirSync(dir, { recursive: true });
    // Readers never see half a file.
    const tmp = join(dir, `.cluster.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n');
    renameSync(tmp, join(dir, 'cluster.json'));
  }

  readPid(name: string, id: string): PidFile | null {
    try {
      const [pid, startTime] = readFileSync(join(this.nodeDir(name, id), 'node.pid'), 'utf8')
        .trim()
        .split(' ')
        .map(Number);
      return pid && Number.isFinite(startTime) ? { pid, startTime: startTime! } : null;
    } catch {
      return null;
    }
  }

  writePid(name: string, id: string, pid: PidFile): void {
    writeFileSync(join(this.nodeDir(name, id), 'node.pid'), `${pid.pid} ${pid.startTime}\n`);
  }

  removeCluster(name: string): void {
    rmSync(this.clusterDir(name), { recursive: true, force: true });
  }

  /**
   * Runs `fn` holding the state root's lock, so that two `sandbox up` at once do not take the same
   * name, slot or ports. The lock is a directory (mkdir is atomic); one left by a crashed command
   * is broken after 30 s.
   */
  async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    mkdirSync(this.clustersDir, { recursive: true });
    const lock = join(this.clustersDir, '.lock');
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { recursive: true, force: true });
        } catch {
          // Released meanwhile.
        }
        if (attempt > 400) throw new Error(`timed out waiting for the lock ${lock}`);
        await sleep(25);
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
