import { describe, expect, it } from 'vitest';
import { buildTaskInfo, taskName } from '../../src/marathon/scheduling/task-builder.js';
import type { OfferMatch } from '../../src/marathon/scheduling/offer-matcher.js';
import type { AppDefinition, ContainerSpec, HealthCheckSpec } from '../../src/marathon/model/types.js';
import type { Offer, TaskInfo } from '../../src/mesos/protocol/types.js';
import { makeApp } from './fixtures/marathon-app.js';

function app(overrides: Partial<AppDefinition> = {}): AppDefinition {
  return makeApp('/prod/web', {
    cmd: 'python3 -m http.server $PORT0',
    cpus: 0.5,
    portDefinitions: [],
    ...overrides,
  });
}

const OFFER: Offer = {
  id: { value: 'offer-1' },
  framework_id: { value: 'fw' },
  agent_id: { value: 'agent-1' },
  hostname: 'host-1',
  resources: [],
};
const IDS = { taskId: 'prod_web.instance-1234._app.1', instanceId: 'prod_web.instance-1234' };
const MATCH: OfferMatch = {
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
  hostPorts: [31000, 31001],
};

function envOf(task: TaskInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of task.command?.environment?.variables ?? []) out[v.name] = v.value ?? '';
  return out;
}

function check(overrides: Partial<HealthCheckSpec>): HealthCheckSpec {
  return {
    protocol: 'MESOS_HTTP',
    path: '/health',
    gracePeriodSeconds: 300,
    intervalSeconds: 60,
    timeoutSeconds: 20,
    maxConsecutiveFailures: 3,
    delaySeconds: 15,
    ignoreHttp1xx: false,
    ...overrides,
  };
}

const twoPortApp = app({
  portDefinitions: [
    { port: 10000, protocol: 'tcp', name: 'http' },
    { port: 10001, protocol: 'udp,tcp' },
  ],
  labels: { team: 'web', 'cost-center': 'a1' },
  env: { GREETING: 'hello', PORT1: 'mine', DB_PASSWORD: { secret: 'db' } },
});

const bridgeContainer: ContainerSpec = {
  type: 'DOCKER',
  docker: {
    image: 'nginx:1.25',
    forcePullImage: true,
    privileged: false,
    parameters: [{ key: 'hostname', value: 'web' }],
  },
  volumes: [
    { containerPath: '/data', hostPath: '/var/data', mode: 'RW' },
    { containerPath: 'pv', mode: 'RW', persistent: { size: 10 } },
  ],
  portMappings: [
    { containerPort: 80, hostPort: 0, servicePort: 10000, protocol: 'tcp', name: 'http' },
    { containerPort: 0, hostPort: 0, servicePort: 10001, protocol: 'udp,tcp' },
    { containerPort: 9000, servicePort: 10002, protocol: 'tcp' },
  ],
};

describe('buildTaskInfo: basics', () => {
  it('names the task after the reversed app id and keeps ids, resources and labels', () => {
    expect(taskName('/prod/web')).toBe('web.prod');
    expect(taskName('/a')).toBe('a');
    const task = buildTaskInfo(twoPortApp, IDS, OFFER, MATCH);
    expect(task.name).toBe('web.prod');
    expect(task.task_id).toEqual({ value: IDS.taskId });
    expect(task.agent_id).toEqual({ value: 'agent-1' });
    expect(task.resources).toEqual(MATCH.resources);
    expect(task.labels).toEqual({
      labels: [
        { key: 'team', value: 'web' },
        { key: 'cost-center', value: 'a1' },
      ],
    });
    expect(task.container).toBeUndefined();
    expect(task.kill_policy).toBeUndefined();
    expect(task.health_check).toBeUndefined();
  });

  it("sets Marathon's environment for a 2-port app, the app's own variables winning", () => {
    const env = envOf(buildTaskInfo(twoPortApp, IDS, OFFER, MATCH));
    expect(env).toEqual({
      MESOS_TASK_ID: IDS.taskId,
      MARATHON_APP_ID: '/prod/web',
      MARATHON_APP_VERSION: '2024-01-01T00:00:00.000Z',
      MARATHON_APP_RESOURCE_CPUS: '0.5',
      MARATHON_APP_RESOURCE_MEM: '128.0',
      MARATHON_APP_RESOURCE_DISK: '0.0',
      MARATHON_APP_RESOURCE_GPUS: '0',
      MARATHON_APP_ENFORCE_GROUP_ROLE: 'FALSE',
      MARATHON_APP_LABELS: 'TEAM COST_CENTER',
      MARATHON_APP_LABEL_TEAM: 'web',
      MARATHON_APP_LABEL_COST_CENTER: 'a1',
      PORT0: '31000',
      PORT1: 'mine',
      PORT_10000: '31000',
      PORT_10001: '31001',
      PORT_HTTP: '31000',
      PORT: '31000',
      PORTS: '31000,31001',
      HOST: 'host-1',
      GREETING: 'hello',
    });
  });

  it('prefixes the port and host variables with --env_vars_prefix', () => {
    const env = envOf(
      buildTaskInfo(twoPortApp, IDS, OFFER, MATCH, { envVarsPrefix: 'MY_', enforceRole: true }),
    );
    expect(env).toMatchObject({ MY_PORT0: '31000', MY_PORTS: '31000,31001', MY_HOST: 'host-1' });
    expect(env.MARATHON_APP_ENFORCE_GROUP_ROLE).toBe('TRUE');
    expect(env.PORT0).toBeUndefined();
  });

  it('advertises the ports in DiscoveryInfo, one per protocol', () => {
    expect(buildTaskInfo(twoPortApp, IDS, OFFER, MATCH).discovery).toEqual({
      name: 'web.prod',
      visibility: 'FRAMEWORK',
      ports: {
        ports: [
          { number: 31000, protocol: 'tcp', name: 'http' },
          { number: 31001, protocol: 'udp' },
          { number: 31001, protocol: 'tcp' },
        ],
      },
    });
  });
});

describe('buildTaskInfo: command', () => {
  it('runs cmd through the shell', () => {
    const task = buildTaskInfo(app({ user: 'nobody' }), IDS, OFFER, { resources: [], hostPorts: [] });
    expect(task.command).toMatchObject({
      shell: true,
      value: 'python3 -m http.server $PORT0',
      user: 'nobody',
    });
    expect(task.command?.arguments).toBeUndefined();
  });

  it('runs args without a shell, args[0] being the executable', () => {
    const a = app({ cmd: undefined, args: ['/bin/echo', 'hi there'] });
    const task = buildTaskInfo(a, IDS, OFFER, { resources: [], hostPorts: [] });
    expect(task.command).toMatchObject({
      shell: false,
      value: '/bin/echo',
      arguments: ['/bin/echo', 'hi there'],
    });
  });

  it('leaves the executable to the image entrypoint for docker apps', () => {
    const container: ContainerSpec = { ...bridgeContainer, portMappings: [] };
    const withArgs = buildTaskInfo(app({ cmd: undefined, args: ['--port', '80'], container }), IDS, OFFER, {
      resources: [],
      hostPorts: [],
    });
    expect(withArgs.command).toMatchObject({ shell: false, arguments: ['--port', '80'] });
    expect(withArgs.command?.value).toBeUndefined();
    const bare = buildTaskInfo(app({ cmd: undefined, container }), IDS, OFFER, {
      resources: [],
      hostPorts: [],
    });
    expect(bare.command).toMatchObject({ shell: false });
    expect(bare.command?.value).toBeUndefined();
  });

  it('fetches the URIs with their options', () => {
    const a = app({
      fetch: [
        { uri: 'https://example.com/app.tgz', extract: true, executable: false, cache: true },
        {
          uri: 'https://example.com/run.sh',
          extract: false,
          executable: true,
          cache: false,
          destPath: 'run',
        },
      ],
    });
    expect(buildTaskInfo(a, IDS, OFFER, { resources: [], hostPorts: [] }).command?.uris).toEqual([
      { value: 'https://example.com/app.tgz', extract: true, executable: false, cache: true },
      {
        value: 'https://example.com/run.sh',
        extract: false,
        executable: true,
        cache: false,
        output_file: 'run',
      },
    ]);
  });

  it('sets the kill grace period', () => {
    const task = buildTaskInfo(app({ taskKillGracePeriodSeconds: 30 }), IDS, OFFER, {
      resources: [],
      hostPorts: [],
    });
    expect(task.kill_policy).toEqual({ grace_period: { nanoseconds: 30_000_000_000 } });
  });
});

describe('buildTaskInfo: containers', () => {
  const bridgeApp = app({
    cmd: undefined,
    networks: [{ mode: 'container/bridge' }],
    portDefinitions: undefined,
    container: bridgeContainer,
  });

  it('builds a docker container in bridge mode with the host ports bound', () => {
    const task = buildTaskInfo(bridgeApp, IDS, OFFER, MATCH);
    expect(task.container).toEqual({
      type: 'DOCKER',
      docker: {
        image: 'nginx:1.25',
        network: 'BRIDGE',
        port_mappings: [
          { host_port: 31000, container_port: 80, protocol: 'tcp' },
          // containerPort 0 means the same port as on the host.
          { host_port: 31001, container_port: 31001, protocol: 'udp' },
          { host_port: 31001, container_port: 31001, protocol: 'tcp' },
        ],
        privileged: false,
        parameters: [
          { key: 'hostname', value: 'web' },
          { key: 'label', value: `MESOS_TASK_ID=${IDS.taskId}` },
        ],
        force_pull_image: true,
      },
      volumes: [{ container_path: '/data', host_path: '/var/data', mode: 'RW' }],
    });
  });

  it('exposes mapped ports in the environment and discovery', () => {
    const task = buildTaskInfo(bridgeApp, IDS, OFFER, MATCH);
    expect(envOf(task)).toMatchObject({
      MARATHON_APP_DOCKER_IMAGE: 'nginx:1.25',
      PORT0: '31000',
      PORT1: '31001',
      // A mapping without a host port exposes its container port.
      PORT2: '9000',
      PORT_80: '31000',
      PORT_31001: '31001',
      PORT_9000: '9000',
      PORT_HTTP: '31000',
      PORT: '31000',
      PORTS: '31000,31001',
    });
    const ports = (task.discovery as { ports: { ports: unknown[] } }).ports.ports;
    expect(ports[0]).toEqual({
      number: 31000,
      protocol: 'tcp',
      name: 'http',
      labels: { labels: [{ key: 'network-scope', value: 'host' }] },
    });
    expect(ports).toHaveLength(3);
  });

  it('runs a docker image in a Mesos container as an image of the Mesos containerizer', () => {
    const a = app({
      container: {
        type: 'MESOS',
        docker: { image: 'busybox', forcePullImage: false, privileged: false, parameters: [] },
        volumes: [],
      },
    });
    const task = buildTaskInfo(a, IDS, OFFER, { resources: [], hostPorts: [] });
    expect(task.container).toEqual({
      type: 'MESOS',
      mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' }, cached: true } },
    });
    expect(envOf(task).MARATHON_APP_DOCKER_IMAGE).toBeUndefined();
  });
});

describe('buildTaskInfo: health checks', () => {
  it('sends the first Mesos-level check, on the host port at portIndex', () => {
    const a = app({
      portDefinitions: twoPortApp.portDefinitions,
      healthChecks: [
        check({ protocol: 'HTTP', portIndex: 0 }),
        check({ protocol: 'MESOS_HTTP', portIndex: 1 }),
        check({ protocol: 'MESOS_TCP', portIndex: 0 }),
      ],
    });
    expect(buildTaskInfo(a, IDS, OFFER, MATCH).health_check).toEqual({
      type: 'HTTP',
      http: { scheme: 'http', port: 31001, path: '/health' },
      interval_seconds: 60,
      timeout_seconds: 20,
      consecutive_failures: 3,
      grace_period_seconds: 300,
      delay_seconds: 15,
    });
  });

  it('renders MESOS_HTTPS, MESOS_TCP with a fixed port, and COMMAND checks', () => {
    const one = (hc: HealthCheckSpec) =>
      buildTaskInfo(
        app({ portDefinitions: twoPortApp.portDefinitions, healthChecks: [hc] }),
        IDS,
        OFFER,
        MATCH,
      ).health_check;
    expect(one(check({ protocol: 'MESOS_HTTPS', portIndex: 0 }))?.http).toEqual({
      scheme: 'https',
      port: 31000,
      path: '/health',
    });
    expect(one(check({ protocol: 'MESOS_TCP', port: 8080 }))).toMatchObject({
      type: 'TCP',
      tcp: { port: 8080 },
    });
    expect(one(check({ protocol: 'COMMAND', command: { value: 'test -f /tmp/ok' } }))).toMatchObject({
      type: 'COMMAND',
      command: { value: 'test -f /tmp/ok' },
      consecutive_failures: 3,
    });
  });

  it('probes the container port of a bridge mapping, as Mesos checks run inside the container network', () => {
    const a = app({
      networks: [{ mode: 'container/bridge' }],
      portDefinitions: undefined,
      container: bridgeContainer,
      healthChecks: [check({ protocol: 'MESOS_HTTP', portIndex: 0 })],
    });
    expect(buildTaskInfo(a, IDS, OFFER, MATCH).health_check?.http?.port).toBe(80);
  });

  it('leaves Marathon-level checks out of the task', () => {
    const a = app({
      portDefinitions: twoPortApp.portDefinitions,
      healthChecks: [check({ protocol: 'HTTP', portIndex: 0 }), check({ protocol: 'TCP', portIndex: 1 })],
    });
    expect(buildTaskInfo(a, IDS, OFFER, MATCH).health_check).toBeUndefined();
  });
});
