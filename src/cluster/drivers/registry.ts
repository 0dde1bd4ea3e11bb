// Which driver runs a cluster. The Docker driver (and dockerode) is loaded only when needed, so the
// process-only commands start quickly.
import { resolveStateRoot } from '../state-dir.js';
import type { DriverName } from '../spec.js';
import { ClusterNotFoundError, DriverUnavailableError, type Driver } from './driver.js';
import { ProcessDriver } from './process/process-driver.js';

export interface DriverOptions {
  stateRoot?: string;
  /** Progress of long driver steps (building an image). */
  onStep?: (message: string) => void;
}

export async function createDriver(name: DriverName, opts: DriverOptions = {}): Promise<Driver> {
  if (name === 'process') return new ProcessDriver({ stateRoot: opts.stateRoot ?? resolveStateRoot() });
  const { DockerDriver } = await import('./docker/docker-driver.js');
  return new DockerDriver({ ...(opts.onStep ? { onStep: opts.onStep } : {}) });
}

/** Every driver that can answer here (Docker only when its daemon is reachable). */
export async function availableDrivers(opts: DriverOptions = {}): Promise<Driver[]> {
  const drivers: Driver[] = [await createDriver('process', opts)];
  try {
    const docker = await createDriver('docker', opts);
    await docker.preflight();
    drivers.push(docker);
  } catch (e) {
    if (!(e instanceof DriverUnavailableError)) throw e;
  }
  return drivers;
}

/** The driver that has a cluster of this name; ClusterNotFoundError when none has. */
export async function driverOf(name: string, opts: DriverOptions = {}): Promise<Driver> {
  // The process driver answers from files, without loading dockerode or asking a daemon.
  const processDriver = await createDriver('process', opts);
  if ((await processDriver.list()).includes(name)) return processDriver;
  for (const driver of (await availableDrivers(opts)).filter((d) => d.name !== 'process')) {
    if ((await driver.list()).includes(name)) return driver;
  }
  throw new ClusterNotFoundError(`no cluster named '${name}' (see 'sandbox ls')`);
}
