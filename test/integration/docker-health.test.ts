// Health checks of DOCKER tasks against real containers (DockerLauncher on the host's dockerd, the
// local base image): COMMAND checks run by `docker exec` in the task's container (its environment,
// exit codes, output, a timed-out check killed inside the container), HTTP and TCP checks against a
// bridged container's address and a host-network container's loopback.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../../src/cluster/drivers/docker/base-image.js';
import { dockerHealthProbe } from '../../src/mesos/agent/containerizer/docker-health.js';
import {
  DockerLauncher,
  type DockerLaunchSpec,
  type DockerTaskContainer,
} from '../../src/mesos/agent/containerizer/docker-launcher.js';
import type { ContainerInfo, HealthCheck, Resource } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';

const docker = new Dockerode();
const skipReason = await docker.info().then(
  async () =>
    ensureBaseImage(docker, { onStep: (msg) => console.log(`[docker-health test] ${msg}`) }).then(
      () => null,
      (err: Error) => `the base image ${BASE_IMAGE} is not available (${err.message})`,
    ),
  (err: Error) => `Docker is not reachable (${err.message})`,
);
if (skipReason) console.warn(`Skipping the docker health check integration tests: ${skipReason}`);

const RUN_LABEL = 'sandbox.test-run';
const runId = randomUUID();
const launcher = new DockerLauncher({ docker });
const dirs: string[] = [];
const containers: DockerTaskContainer[] = [];

const scalar = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value } });

// A tiny HTTP server (the base image has perl, not python): 200 on /health, 503 elsewhere.
const HTTP_SERVER = `
use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 10, ReuseAddr => 1) or die "$!";
print "listening\\n";
$| = 1;
while (my $c = $s->accept) {
  my $request = <$c> // '';
  while (my $line = <$c>) { last if $line =~ /^\\r?\\n$/ }
  my ($path) = $request =~ m{^GET (\\S+)};
  my $status = ($path // '') eq '/health' ? '200 OK' : '503 Service Unavailable';
  print $c "HTTP/1.1 $status\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok";
  close $c;
}
`;

async function launch(
  value: string,
  docker: Partial<NonNullable<ContainerInfo['docker']>> = {},
  env: Record<string, string> = {},
): Promise<{ container: DockerTaskContainer; sandbox: string }> {
  const sandbox = await mkdtemp(join(tmpdir(), 'docker-health-'));
  dirs.push(sandbox);
  await writeFile(join(sandbox, 'server.pl'), HTTP_SERVER);
  const spec: DockerLaunchSpec = {
    containerId: randomUUID(),
    container: { type: 'DOCKER', docker: { image: BASE_IMAGE, ...docker } },
    command: { shell: true, value },
    env,
    resources: [scalar('cpus', 0.25), scalar('mem', 64)],
    sandbox,
    stdoutPath: join(sandbox, 'stdout'),
    stderrPath: join(sandbox, 'stderr'),
    labels: { [RUN_LABEL]: runId },
  };
  const container = await launcher.launch(spec);
  containers.push(container);
  return { container, sandbox };
}

/** Runs one check; resolves with null when it passed, else with its failure message. */
async function checkOnce(
  check: HealthCheck,
  container: DockerTaskContainer | null,
  outputPath?: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<string | null> {
  const probe = dockerHealthProbe(check, () => container, outputPath ? { outputPath } : {});
  return probe.run(signal).then(
    () => null,
    (err: Error) => err.message,
  );
}

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

/** Command lines of the container's processes, as `docker top` lists them. */
async function processesIn(container: DockerTaskContainer): Promise<string[]> {
  const top = (await docker.getContainer(container.name).top({ ps_args: '-o pid,args' })) as {
    Processes: string[][];
  };
  return top.Processes.map((p) => p.join(' '));
}

afterAll(async () => {
  if (skipReason) return;
  await Promise.all(containers.map((c) => c.destroy().catch(() => undefined)));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.skipIf(skipReason !== null)('health checks of DOCKER tasks', () => {
  let bridged: DockerTaskContainer;
  let bridgedSandbox: string;

  beforeAll(async () => {
    ({ container: bridged, sandbox: bridgedSandbox } = await launch(
      'exec perl "$MESOS_SANDBOX/server.pl" 8080',
      { network: 'BRIDGE' },
      { FROM_TASK: 'task-env' },
    ));
    await waitFor(async () => (await read(join(bridgedSandbox, 'stdout'))).includes('listening'), {
      description: 'the HTTP server in the bridged container',
    });
  });

  it('runs a COMMAND check in the container, with its environment: exit 0 is healthy, others not', async () => {
    const output = join(bridgedSandbox, 'check-output');
    const healthy = await checkOnce(
      {
        type: 'COMMAND',
        command: { value: 'echo "check sees $FROM_TASK in $(hostname)"; test -f "$MESOS_SANDBOX/server.pl"' },
      },
      bridged,
      output,
    );
    expect(healthy).toBeNull();
    // The check's output without the pid line the wrapper prints for itself.
    const hostname = (await docker.getContainer(bridged.name).inspect()).Config.Hostname;
    expect(await read(output)).toBe(`check sees task-env in ${hostname}\n`);

    expect(
      await checkOnce({ type: 'COMMAND', command: { value: 'echo bad >&2; exit 3' } }, bridged, output),
    ).toBe('Command exited with status 3');
    expect(await read(output)).toContain('bad\n');
  });

  it('runs a non-shell COMMAND check as value then arguments', async () => {
    const check = (args: string[]): HealthCheck => ({
      type: 'COMMAND',
      command: { shell: false, value: 'test', arguments: args },
    });
    expect(await checkOnce(check(['-d', '/mnt/mesos/sandbox']), bridged)).toBeNull();
    expect(await checkOnce(check(['-d', '/no/such/dir']), bridged)).toBe('Command exited with status 1');
  });

  it('kills a COMMAND check that is aborted (timed out) inside the container', async () => {
    const abort = new AbortController();
    const running = checkOnce(
      { type: 'COMMAND', command: { value: 'sleep 1234 & sleep 4321; true' } },
      bridged,
      undefined,
      abort.signal,
    );
    await waitFor(async () => (await processesIn(bridged)).some((p) => p.includes('sleep 4321')), {
      description: 'the check to run in the container',
    });
    abort.abort(new Error('timed out after 1s'));
    expect(await running).toBe('timed out after 1s');
    await waitFor(
      async () =>
        !(await processesIn(bridged)).some((p) => p.includes('sleep 1234') || p.includes('sleep 4321')),
      { description: 'the check and its child to be killed' },
    );
  });

  it("makes HTTP checks against the bridged container's address and its container port", async () => {
    expect(await checkOnce({ type: 'HTTP', http: { port: 8080, path: '/health' } }, bridged)).toBeNull();
    expect(await checkOnce({ type: 'HTTP', http: { port: 8080, path: '/other' } }, bridged)).toBe(
      'Unexpected HTTP response code: 503',
    );
    expect(await checkOnce({ type: 'HTTP', http: { port: 8081, path: '/health' } }, bridged)).toMatch(
      /ECONNREFUSED/,
    );
  });

  it('makes TCP checks against the bridged container', async () => {
    expect(await checkOnce({ type: 'TCP', tcp: { port: 8080 } }, bridged)).toBeNull();
    expect(await checkOnce({ type: 'TCP', tcp: { port: 8081 } }, bridged)).toMatch(/^TCP connection failed/);
  });

  it("checks a host-network container on the agent's loopback", async () => {
    // The agent (this process) and the container share the host's network namespace.
    const port = await freePort();
    const { container, sandbox } = await launch(`exec perl "$MESOS_SANDBOX/server.pl" ${port}`);
    await waitFor(async () => (await read(join(sandbox, 'stdout'))).includes('listening'));
    expect(await container.address()).toBe('127.0.0.1');
    expect(await checkOnce({ type: 'HTTP', http: { port, path: '/health' } }, container)).toBeNull();
    expect(await checkOnce({ type: 'TCP', tcp: { port } }, container)).toBeNull();
  });

  it('fails checks that have nothing to check', async () => {
    expect(await checkOnce({ type: 'TCP', tcp: { port: 80 } }, null)).toBe(
      'The task has no running Docker container',
    );
    const { container } = await launch('sleep 600', { network: 'NONE' });
    expect(await checkOnce({ type: 'TCP', tcp: { port: 80 } }, container)).toBe(
      `Container '${container.name}' has no IPv4 address this agent can reach`,
    );
    await container.destroy();
    expect(await checkOnce({ type: 'COMMAND', command: { value: 'true' } }, container)).toMatch(
      /no such container|is not running/i,
    );
  });
});
