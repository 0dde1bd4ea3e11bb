// End to end: the real `sandbox` binary boots, inspects, breaks and removes real clusters. The same
// suite runs for every driver this machine can use (Docker when its daemon answers).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/cluster/lifecycle.js';
import type { Offer } from '../../src/mesos/protocol/types.js';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import { getJson, httpGet, postJson } from '../../src/util/http-client.js';
import { waitFor } from '../../src/util/wait.js';
import { DockerDriver } from '../../src/cluster/drivers/docker/docker-driver.js';
import { LABEL_PROCESS_CLUSTER } from '../../src/cluster/drivers/process/task-containers.js';
import { acknowledgeUpdates, EventLog } from '../support/nodes.js';
import { processesUnder, runSandbox } from '../support/sandbox-cli.js';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const dockerOk = dockerAnswers();
const drivers: Array<'process' | 'docker'> = ['process'];
if (dockerOk) drivers.push('docker');
else
  console.warn(
    "sandbox e2e: skipping the Docker driver suite and the process suite's DOCKER task: `docker info` fails (no dockerd running)",
  );

/** What is left of a cluster after `down`: processes and files, or containers and networks. */
function leftovers(driver: 'process' | 'docker', stateDir: string, name: string): string[] {
  const docker = (...args: string[]): string[] =>
    execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (driver === 'process') {
    const dir = join(stateDir, 'clusters', name);
    // DOCKER tasks run on the host's daemon, labelled with the cluster's directory.
    const taskContainers = dockerOk
      ? docker('ps', '-aq', '--filter', `label=${LABEL_PROCESS_CLUSTER}=${dir}`)
      : [];
    return [
      ...(existsSync(dir) ? [`directory ${dir}`] : []),
      ...taskContainers.map((c) => `container ${c}`),
      ...processesUnder(dir).map((pid) => `process ${pid}`),
      ...['cpu', 'memory']
        .map((c) => `/sys/fs/cgroup/${c}/mesos-sandbox/${name}`)
        .filter((d) => existsSync(d))
        .map((d) => `cgroup ${d}`),
    ];
  }
  // Task containers carry the cluster's label too; the agents' work dirs are on the Docker host.
  const workRoot = `/tmp/mesos-sandbox-docker/${name}`;
  return [
    ...docker('ps', '-aq', '--filter', `label=sandbox.cluster=${name}`).map((c) => `container ${c}`),
    ...docker('network', 'ls', '-q', '--filter', `label=sandbox.cluster=${name}`).map((n) => `network ${n}`),
    ...(existsSync(workRoot) ? [`directory ${workRoot}`] : []),
  ];
}

// A small HTTP server for a DOCKER task (the base image has perl, not python): says hello on every
// request, and on its stdout once it listens. It leaves a file in its sandbox first.
const HELLO_SERVER =
  'echo from-the-container > "$MESOS_SANDBOX/made-by-task"; ' +
  "exec perl -MIO::Socket::INET -e '$| = 1; $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die $!; " +
  'print "docker-task-listening\\n"; while ($c = $s->accept) { <$c>; ' +
  'print $c "HTTP/1.0 200 OK\\r\\nContent-Length: 18\\r\\n\\r\\nhello from docker\\n"; close $c }\'';

describe.each(drivers)('sandbox CLI with the %s driver', (driver) => {
  const stateDir = mkdtempSync(join(tmpdir(), `sandbox-e2e-${driver}-`));
  const env = { SANDBOX_STATE_DIR: stateDir, CI: '1' };
  const name = `e2e-${driver}`;
  const sandbox = (...args: string[]): ReturnType<typeof runSandbox> => runSandbox(args, env);
  let info: ClusterInfo;
  // Kept subscribed to the end, so its task still runs when `down` has to kill it. It keeps the
  // offers it did not use, so later tests launch through it too.
  let framework: SchedulerClient | undefined;
  let frameworkLog: EventLog | undefined;
  const usedOffers = new Set<string>();

  const activeAgents = async (): Promise<number> => {
    const current = JSON.parse((await sandbox('info', '--name', name, '--json')).stdout) as ClusterInfo;
    if (!current.master) return -1;
    const slaves = await getJson<{ slaves: Array<{ active: boolean }> }>(`${current.master}/master/slaves`);
    return slaves.slaves.filter((s) => s.active).length;
  };

  beforeAll(async () => {
    const up = await sandbox('up', '--name', name, '--driver', driver, '--json');
    expect(up.code, up.stderr).toBe(0);
    const lines = up.stdout.trim().split('\n');
    info = JSON.parse(lines[lines.length - 1]!) as ClusterInfo;
  }, 600_000);

  afterAll(async () => {
    framework?.close();
    await sandbox('down', '--name', name);
    await sandbox('down', '--name', `${name}-b`);
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('up prints the cluster document: a leading master, ZooKeeper, three registered agents, Marathon, Chronos', async () => {
    expect(info).toMatchObject({ name, driver, mesos: `${info.zookeeper}/mesos` });
    expect(info.nodes.map((n) => n.id)).toEqual([
      'zookeeper-1',
      'master-1',
      'agent-1',
      'agent-2',
      'agent-3',
      'marathon-1',
      'chronos-1',
    ]);
    // Marathon leads and is subscribed with the master by the time up returns.
    expect(info.marathon).toBe(info.nodes.find((n) => n.id === 'marathon-1')?.url);
    const marathon = await getJson<{ elected: boolean; frameworkId: string }>(`${info.marathon}/v2/info`);
    expect(marathon.elected).toBe(true);
    const frameworks = await getJson<{
      frameworks: Array<{ id: string; name: string; active: boolean; webui_url: string }>;
    }>(`${info.master}/master/frameworks`);
    expect(frameworks.frameworks).toContainEqual(
      expect.objectContaining({ id: marathon.frameworkId, name: 'marathon', active: true }),
    );
    // So does Chronos.
    expect(info.chronos).toBe(info.nodes.find((n) => n.id === 'chronos-1')?.url);
    const chronosLeader = await getJson<{ leader: string }>(`${info.chronos}/v1/scheduler/leader`);
    expect(frameworks.frameworks).toContainEqual(
      expect.objectContaining({ name: 'chronos', active: true, webui_url: `http://${chronosLeader.leader}` }),
    );
    expect(info.nodes.every((n) => n.state === 'running')).toBe(true);
    expect(info.nodes.find((n) => n.id === 'master-1')).toMatchObject({ leader: true, url: info.master });
    const state = await getJson<{ activated_slaves: number; cluster?: string }>(
      `${info.master}/master/state`,
    );
    expect(state.activated_slaves).toBe(3);
    // Every agent has its own task port range: tasks of different agents never fight over a port.
    const slaves = await getJson<{ slaves: Array<{ resources: { ports: string } }> }>(
      `${info.master}/master/slaves`,
    );
    expect(new Set(slaves.slaves.map((s) => s.resources.ports)).size).toBe(driver === 'process' ? 3 : 1);
  });

  it('info, status and ls describe the same cluster', async () => {
    const again = await sandbox('info', '--name', name, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(info);
    const status = await sandbox('status', '--name', name);
    expect(status.stdout).toMatch(/^master-1\s+master\s+running\s+\S+\s+leader$/m);
    expect(status.stdout.match(/^agent-\d\s+agent\s+running/gm)).toHaveLength(3);
    const ls = JSON.parse((await sandbox('ls', '--json')).stdout) as Array<{ name: string; running: number }>;
    expect(ls).toContainEqual(expect.objectContaining({ name, driver, nodes: 7, running: 7 }));
  });

  it("runs a framework's task through the master and shows its output with logs --task", async () => {
    const client = new SchedulerClient({
      master: info.mesos,
      frameworkInfo: { user: 'root', name: 'e2e-framework' },
      reconnect: false,
    });
    framework = client;
    const log = new EventLog(client);
    frameworkLog = log;
    acknowledgeUpdates(client);

    {
      await client.subscribe();
      const { offers } = await log.next('OFFERS', (e) => e.offers.offers.length > 0, 30_000);
      const offer: Offer = offers.offers[0]!;
      usedOffers.add(offer.id.value);
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: 'hello',
                    task_id: { value: 'hello-1' },
                    agent_id: offer.agent_id,
                    command: { value: 'echo hello-from-task; echo oops >&2; exec sleep 600' },
                    resources: [
                      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
                      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
                    ],
                  },
                ],
              },
            },
          ],
        },
      });
      await log.next('UPDATE', (e) => e.update.status.state === 'TASK_RUNNING', 30_000);
      await waitFor(
        async () =>
          (await sandbox('logs', '--name', name, '--task', 'hello-1')).stdout.includes('hello-from-task'),
        { timeoutMs: 15_000, description: 'the task output through sandbox logs --task' },
      );
      const stderr = await sandbox('logs', '--name', name, '--task', 'hello-1', '--stderr');
      expect(stderr.stdout).toContain('oops');
    }
  });

  // Packages under the Docker driver are that driver's matter: the process suite has no such test.
  const dockerOnly = driver === 'docker' ? it : (): void => undefined;
  it.skipIf(!dockerOk)(
    "runs a DOCKER task on the host's daemon: its port answers on the agent's address, its sandbox is the agent's, it is health checked",
    async () => {
      // The process driver's agents use the host's daemon too; the image is the Docker driver's.
      if (driver === 'process') await new DockerDriver().ensureImage();
      const client = framework!;
      const log = frameworkLog!;
      const portsOf = (o: Offer): number | undefined =>
        o.resources.find((r) => r.name === 'ports')?.ranges?.range[0]?.begin;
      const unused = (o: Offer): boolean => !usedOffers.has(o.id.value) && portsOf(o) !== undefined;
      const { offers } = await log.next('OFFERS', (e) => e.offers.offers.some(unused), 30_000);
      const offer = offers.offers.find(unused)!;
      usedOffers.add(offer.id.value);
      const hostPort = portsOf(offer)!;
      const from = log.events.length;
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: 'web',
                    task_id: { value: 'docker-web-1' },
                    agent_id: offer.agent_id,
                    command: { value: HELLO_SERVER },
                    container: {
                      type: 'DOCKER',
                      docker: {
                        image: 'mesos-sandbox-base:bookworm',
                        network: 'BRIDGE',
                        port_mappings: [{ host_port: hostPort, container_port: 8080, protocol: 'tcp' }],
                      },
                    },
                    // Checked from the agent against the container's own port, as Mesos does.
                    health_check: {
                      type: 'HTTP',
                      http: { port: 8080, path: '/' },
                      delay_seconds: 0,
                      interval_seconds: 1,
                      grace_period_seconds: 60,
                    },
                    resources: [
                      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
                      { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
                      {
                        name: 'ports',
                        type: 'RANGES',
                        ranges: { range: [{ begin: hostPort, end: hostPort }] },
                      },
                    ],
                  },
                ],
              },
            },
          ],
        },
      });
      const running = await log.next(
        'UPDATE',
        (e) => e.update.status.task_id.value === 'docker-web-1' && e.update.status.state !== 'TASK_STARTING',
        60_000,
        from,
      );
      expect(running.update.status, running.update.status.message).toMatchObject({ state: 'TASK_RUNNING' });
      // Its sandbox, through the agent's /files API: the output the agent copied there, and a file
      // the task wrote into the sandbox bound into its container.
      const sandboxOf = async (): Promise<{ url: string; directory: string } | null> => {
        for (const { url } of info.nodes.filter((n) => n.role === 'agent')) {
          if (!url) continue;
          const state = await getJson<{
            frameworks: Array<{ executors: Array<{ directory: string; tasks: Array<{ id: string }> }> }>;
          }>(`${url}/state`);
          for (const executor of state.frameworks.flatMap((f) => f.executors)) {
            if (executor.tasks.some((t) => t.id === 'docker-web-1'))
              return { url, directory: executor.directory };
          }
        }
        return null;
      };
      const { url, directory } = await waitFor(sandboxOf, { description: 'the agent running docker-web-1' });
      const sandboxFile = async (file: string): Promise<string> =>
        (
          await getJson<{ data: string }>(
            `${url}/files/read?path=${encodeURIComponent(`${directory}/${file}`)}&offset=0`,
          )
        ).data;
      await waitFor(async () => (await sandboxFile('stdout')).includes('docker-task-listening'), {
        timeoutMs: 30_000,
        description: "the DOCKER task's stdout in its sandbox",
      });
      expect(await sandboxFile('made-by-task')).toBe('from-the-container\n');
      // Where a framework finds it: the agent's address and the host port, reachable from here.
      const answer = await waitFor(
        async () => {
          const res = await httpGet(`http://${offer.hostname}:${hostPort}/`, 2000);
          return res.status === 200 ? res.body : null;
        },
        { timeoutMs: 15_000, description: `the task on ${offer.hostname}:${hostPort}` },
      );
      expect(answer).toBe('hello from docker\n');
      const healthy = await log.next(
        'UPDATE',
        (e) => e.update.status.task_id.value === 'docker-web-1' && e.update.status.healthy !== undefined,
        30_000,
        from,
      );
      expect(healthy.update.status).toMatchObject({ state: 'TASK_RUNNING', healthy: true });
      // A container of the host's daemon, labelled with the cluster (so `down` removes it).
      const label =
        driver === 'docker'
          ? `sandbox.cluster=${name}`
          : `${LABEL_PROCESS_CLUSTER}=${join(stateDir, 'clusters', name)}`;
      const containers = execFileSync(
        'docker',
        ['ps', '-q', '--filter', `label=${label}`, '--filter', 'name=^mesos-'],
        { encoding: 'utf8' },
      );
      expect(containers.trim().split('\n')).toHaveLength(1);
    },
    120_000,
  );

  // Packages run in the agents' containers: their file:// artifacts are shared into the cluster.
  dockerOnly(
    'package install runs stream-ingest (its artifact shared with the agents) and redis in the agents, reachable from here',
    async () => {
      interface AppTasks {
        app: {
          tasks: Array<{ host: string; ports: number[]; healthCheckResults?: Array<{ alive: boolean }> }>;
        };
      }
      const healthyTask = (id: string): Promise<{ host: string; ports: number[] }> =>
        waitFor(
          async () => {
            const { app } = await getJson<AppTasks>(`${info.marathon}/v2/apps${id}`);
            const task = app.tasks.find((t) => t.healthCheckResults?.some((h) => h.alive));
            return task ?? null;
          },
          { timeoutMs: 90_000, description: `${id} to have a healthy task` },
        );
      for (const pkg of ['stream-ingest', 'redis']) {
        const installed = await sandbox('package', 'install', pkg, '--name', name);
        expect(installed.code, installed.stderr).toBe(0);
      }
      const ingest = await healthyTask('/stream-ingest');
      const posted = await postJson(`http://${ingest.host}:${ingest.ports[0]}/events`, { type: 'click' });
      expect(posted.status, posted.body).toBe(202);

      const redis = await healthyTask('/redis');
      const pong = await new Promise<string>((resolvePong, reject) => {
        const socket = connect(redis.ports[0]!, redis.host, () => socket.write('PING\r\n'));
        socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer PING')));
        socket.once('data', (d) => {
          resolvePong(d.toString());
          socket.end();
        });
        socket.once('error', reject);
      });
      expect(pong).toBe('+PONG\r\n');

      for (const pkg of ['stream-ingest', 'redis']) {
        const removed = await sandbox('package', 'uninstall', pkg, '--name', name);
        expect(removed.code, removed.stderr).toBe(0);
      }
    },
    180_000,
  );

  it("logs prints a node's log; export logs writes every node's log and the cluster's state", async () => {
    const logs = await sandbox('logs', '--name', name, 'master-1');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Agent registered');
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-export-'));
    try {
      const exported = await sandbox('export', 'logs', dir, '--name', name);
      expect(exported.code, exported.stderr).toBe(0);
      for (const id of [
        'zookeeper-1',
        'master-1',
        'agent-1',
        'agent-2',
        'agent-3',
        'marathon-1',
        'chronos-1',
      ]) {
        expect(existsSync(join(dir, id, 'node.log')), `${id}/node.log`).toBe(true);
      }
      expect(readFileSync(join(dir, 'master-1', 'node.log'), 'utf8')).toContain('Agent registered');
      const master = JSON.parse(readFileSync(join(dir, 'master-state.json'), 'utf8')) as {
        activated_slaves: number;
      };
      expect(master.activated_slaves).toBe(3);
      const agent = JSON.parse(readFileSync(join(dir, 'agent-1', 'state.json'), 'utf8')) as { id: string };
      expect(agent.id).toMatch(/-S\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kill takes a node down for real; start brings it back and it registers again', async () => {
    const killed = await sandbox('kill', '--name', name, 'agent-2');
    expect(killed.code, killed.stderr).toBe(0);
    const status = await sandbox('status', '--name', name);
    expect(status.stdout).toMatch(/^agent-2\s+agent\s+stopped/m);
    await waitFor(async () => (await activeAgents()) === 2, {
      timeoutMs: 30_000,
      description: 'the master to see 2 active agents',
    });
    expect((await sandbox('start', '--name', name, 'agent-2')).code).toBe(0);
    await waitFor(async () => (await activeAgents()) === 3, {
      timeoutMs: 30_000,
      description: 'agent-2 to register again',
    });
  });

  it('restart of the master: a leader again, with every agent', async () => {
    const restarted = await sandbox('restart', '--name', name, 'master-1');
    expect(restarted.code, restarted.stderr).toBe(0);
    await waitFor(async () => (await activeAgents()) === 3, {
      timeoutMs: 60_000,
      description: 'agents under the restarted master',
    });
  });

  it('exec runs a command where the node runs and returns its exit code', async () => {
    const ok = await sandbox('exec', '--name', name, 'agent-1', '--', 'sh', '-c', 'echo from-$((6*7))');
    expect(ok).toMatchObject({ code: 0, stdout: 'from-42\n' });
    const failed = await sandbox('exec', '--name', name, 'agent-1', '--', 'sh', '-c', 'exit 7');
    expect(failed.code).toBe(7);
  });

  it('two named clusters run side by side; removing one leaves the other alone', async () => {
    const b = await sandbox('up', '--name', `${name}-b`, '--driver', driver, '--agents', '1', '--json');
    expect(b.code, b.stderr).toBe(0);
    const other = JSON.parse(b.stdout.trim().split('\n').pop()!) as ClusterInfo;
    expect(other.master).not.toBe(info.master);
    expect(other.zookeeper).not.toBe(info.zookeeper);
    const slaves = await getJson<{ slaves: unknown[] }>(`${other.master}/master/slaves`);
    expect(slaves.slaves).toHaveLength(1);
    expect((await sandbox('down', '--name', `${name}-b`)).code).toBe(0);
    expect(leftovers(driver, stateDir, `${name}-b`)).toEqual([]);
    expect(await activeAgents()).toBe(3);
  });

  it('a second up with a taken name fails with exit code 5 and changes nothing', async () => {
    const again = await sandbox('up', '--name', name, '--driver', driver);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(`'${name}' already exists`);
    expect(await activeAgents()).toBe(3);
  });

  it('down removes every node, task, file and network; a second down is a no-op', async () => {
    const down = await sandbox('down', '--name', name);
    expect(down.code, down.stderr).toBe(0);
    expect(leftovers(driver, stateDir, name)).toEqual([]);
    await expect(fetch(`${info.master}/health`)).rejects.toThrow();
    const again = await sandbox('down', '--name', name);
    expect(again.code).toBe(0);
    expect((await sandbox('status', '--name', name)).code).toBe(6);
  });

  it('Ctrl-C during up removes what was started and exits with 130', async () => {
    const cli = resolve(import.meta.dirname, '../../dist/cli/sandbox.js');
    const child = spawn(process.execPath, [cli, 'up', '--name', `${name}-b`, '--driver', driver], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => stderr.includes('nodes started'), {
      timeoutMs: 120_000,
      description: 'nodes to start',
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('Interrupted: removing what was started');
    expect(leftovers(driver, stateDir, `${name}-b`)).toEqual([]);
  });

  it('a node that is not ready in time fails up with exit code 3, names it, shows its log and rolls back', async () => {
    const failed = await sandbox(
      'up',
      '--name',
      `${name}-b`,
      '--driver',
      driver,
      '--agents',
      '1',
      '--wait',
      '1ms',
    );
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/zookeeper-1 did not become ready/);
    expect(failed.stderr).toContain("--- last lines of zookeeper-1's log ---");
    expect(leftovers(driver, stateDir, `${name}-b`)).toEqual([]);
  });
});

describe('sandbox CLI without a cluster', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-config-'));
  const env = { SANDBOX_STATE_DIR: stateDir };
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('a bad config file is refused with exit code 2 and an error naming the field', async () => {
    const file = join(stateDir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: sandbox/v1alpha1\nkind: Cluster\nagents:\n  - count: two\n');
    const result = await runSandbox(['up', '--config', file], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('agents[0].count');
    expect(existsSync(join(stateDir, 'clusters', 'sandbox'))).toBe(false);
  });

  it('init writes an example config that up accepts as it is', async () => {
    const file = join(stateDir, 'sandbox.yaml');
    expect((await runSandbox(['init', file], env)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('apiVersion: sandbox/v1alpha1');
    expect((await runSandbox(['init', file], env)).code).toBe(2);
    const up = await runSandbox(['up', '--config', file, '--name', 'init-check', '--agents', '1'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("Cluster 'init-check' (process driver)");
    expect((await runSandbox(['down', '--name', 'init-check'], env)).code).toBe(0);
  });

  it('commands on a cluster that does not exist exit with 6 and say so', async () => {
    const result = await runSandbox(['status', '--name', 'nope'], env);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("no cluster named 'nope'");
    expect((await runSandbox(['down', '--name', 'nope'], env)).code).toBe(0);
  });

  it('usage errors exit with 2', async () => {
    expect((await runSandbox(['up', '--masters', 'many'], env)).code).toBe(2);
    expect((await runSandbox(['frobnicate'], env)).code).toBe(2);
  });

  it('completion prints a script for each shell; version names the Mesos API', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await runSandbox(['completion', shell], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('export');
    }
    expect((await runSandbox(['version'], env)).stdout).toMatch(
      /^sandbox \d+\.\d+\.\d+ \(Mesos API 1\.11\.0\)$/m,
    );
  });
});
