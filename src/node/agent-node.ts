// `sandbox-node agent`: one Mesos agent in this process.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../mesos/agent/agent.js';
import { createLauncher } from '../mesos/agent/containerizer/launcher.js';
import { agentResources } from '../mesos/agent/detect-resources.js';
import { FilesService } from '../mesos/agent/files.js';
import { createAgentServer } from '../mesos/agent/http-server.js';
import { createMasterDetector } from '../mesos/master-detector.js';
import { formatResources, parseAttributes } from '../mesos/protocol/resources.js';
import { systemClock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import type { Logger } from '../util/log.js';
import { bytesFlag, FlagError, intFlag } from './flags.js';
import { dockerPlacementFromFlags, type DockerPlacement } from '../mesos/agent/containerizer/docker-spec.js';
import { listen } from './node-io.js';
import { resetFetcherCache } from '../mesos/agent/fetcher/fetcher.js';

export interface RunningAgent {
  agent: Agent;
  server: Server;
  stop(): Promise<void>;
}

function launcherIsolation(flag: string): 'auto' | 'linux' | 'posix' {
  if (flag === 'auto' || flag === 'linux' || flag === 'posix') return flag;
  if (/cgroups|namespaces/.test(flag)) return 'linux';
  if (/posix/.test(flag)) return 'posix';
  throw new FlagError(`Unknown --isolation '${flag}'`);
}

export async function runAgentNode(flags: Record<string, string>, log: Logger): Promise<RunningAgent> {
  if (!flags.master)
    throw new FlagError("Flag '--master' is required (http://host:port or zk://host:port/path)");
  const ip = flags.ip!;
  const port = intFlag(flags, 'port');
  const hostname = flags.hostname ?? ip;
  const workDir = flags.work_dir ?? join(tmpdir(), `mesos-sandbox-agent-${ip}-${port}`);
  mkdirSync(workDir, { recursive: true });
  const resources = agentResources(flags.resources, workDir, { warn: (msg) => log.warn(msg) });
  const attributesText = flags.attributes ?? '';
  const attributes = parseAttributes(attributesText);
  const launcher = createLauncher({
    isolation: launcherIsolation(flags.isolation!),
    cgroupsRoot: flags.cgroups_root!,
    enableCfs: flags.cgroups_enable_cfs === 'true',
    warn: (msg) => log.warn(msg),
  });
  log.info('Task isolation', { isolation: launcher.isolation, enforcing: launcher.enforcing });
  const files = new FilesService();
  if (flags.log_file) files.attach('/slave/log', flags.log_file);
  const detector = await createMasterDetector(flags.master, { connectTimeoutMs: null });
  const fetcherCacheDir = flags.fetcher_cache_dir ?? join(workDir, 'fetch-cache');
  // As Mesos: the fetcher cache starts empty with every agent start.
  await resetFetcherCache(fetcherCacheDir);
  const agent = new Agent({
    hostname,
    port,
    workDir,
    resources,
    attributes,
    attributesText,
    flags: {
      ...flags,
      work_dir: workDir,
      resources: formatResources(resources),
      isolation: launcher.isolation,
      hostname,
    },
    detector,
    launcher,
    clock: systemClock,
    log,
    files,
    registrationBackoffMs: parseDuration(flags.registration_backoff_factor!),
    statusUpdateRetryMinMs: parseDuration(flags.status_update_retry_interval!),
    fetcher: {
      cacheDir: fetcherCacheDir,
      cacheSizeBytes: bytesFlag(flags, 'fetcher_cache_size'),
      stallTimeoutMs: parseDuration(flags.fetcher_stall_timeout!),
    },
    dockerSocket: flags.docker_socket!,
    dockerPlacement: placementOf(flags),
    diskQuota: {
      enforce: flags.enforce_container_disk_quota === 'true',
      watchIntervalMs: parseDuration(flags.container_disk_watch_interval!),
    },
  });
  const server = createAgentServer(agent, files, {}, log);
  await listen(server, port, ip);
  server.requestTimeout = 0;
  await agent.start();
  log.info('Agent listening', {
    url: `http://${ip}:${port}`,
    master: flags.master,
    resources: formatResources(resources),
  });
  return {
    agent,
    server,
    stop: async () => {
      await agent.stop();
      await detector.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Where DOCKER tasks go when the agent itself runs in a container (the Docker driver). */
function placementOf(flags: Readonly<Record<string, string | undefined>>): DockerPlacement {
  try {
    return dockerPlacementFromFlags(flags);
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
}
