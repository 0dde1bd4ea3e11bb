import { describe, expect, it } from 'vitest';
import {
  assignServicePorts,
  classifyAppChange,
  mergeAppUpdate,
  parseAppDefinition,
  replaceApp,
  restartStamp,
  rollbackVersionOf,
  servicePortsOf,
  stampVersion,
} from '../../src/marathon/model/app-validation.js';
import {
  JsonTypeError,
  PortRangeExhaustedError,
  ValidationError,
  type ErrorDetail,
} from '../../src/marathon/model/errors.js';
import { renderAppDefinition } from '../../src/marathon/model/render-app.js';
import type { AppDefinition } from '../../src/marathon/model/types.js';

const V1 = '2024-01-01T00:00:00.000Z';
const V2 = '2024-01-02T00:00:00.000Z';
const V3 = '2024-01-03T00:00:00.000Z';

const TRIVIAL = { id: 'test-trivial-app', cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances: 1 };

function parse(body: unknown, opts: { base?: string; id?: string; requireId?: boolean } = {}): AppDefinition {
  return parseAppDefinition(body, { version: V1, ...opts });
}

/** The error a call throws: its class name and details. */
function failure(fn: () => unknown): { kind: string; details: ErrorDetail[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof JsonTypeError) return { kind: 'json', details: err.details };
    if (err instanceof ValidationError) return { kind: 'validation', details: err.details };
    throw err;
  }
  throw new Error('expected a failure');
}

const jsonErrors = (body: unknown): ErrorDetail[] => {
  const f = failure(() => parse(body));
  expect(f.kind).toBe('json');
  return f.details;
};
const violations = (body: unknown, opts: { base?: string } = {}): ErrorDetail[] => {
  const f = failure(() => parse(body, opts));
  expect(f.kind).toBe('validation');
  return f.details;
};

const NOT_CMD_OR_ARGS = "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.";
const PORT_INDEX =
  'Health check port indices must address an element of the ports array or container port mappings.';

describe('parseAppDefinition: normalization', () => {
  it("fills every default for the Python client's minimal body", () => {
    expect(parse(TRIVIAL)).toEqual({
      id: '/test-trivial-app',
      cmd: 'sleep 3600',
      env: {},
      instances: 1,
      cpus: 0.1,
      mem: 32,
      disk: 0,
      gpus: 0,
      executor: '',
      constraints: [],
      fetch: [],
      backoffSeconds: 1,
      backoffFactor: 1.15,
      maxLaunchDelaySeconds: 300,
      healthChecks: [],
      readinessChecks: [],
      dependencies: [],
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      labels: {},
      version: V1,
      versionInfo: { lastScalingAt: V1, lastConfigChangeAt: V1 },
      killSelection: 'YOUNGEST_FIRST',
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
      requirePorts: false,
      networks: [{ mode: 'host' }],
      portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default' }],
      secrets: {},
      role: '*',
    });
  });

  it('takes the defaults of an empty-ish body: cpus 1, mem 128, one instance', () => {
    const app = parse({ id: '/a', cmd: 'true' });
    expect([app.cpus, app.mem, app.disk, app.instances]).toEqual([1, 128, 0, 1]);
  });

  it('normalizes a docker bridge app with container.portMappings', () => {
    const app = parse({
      id: '/web',
      container: {
        type: 'DOCKER',
        docker: { image: 'nginx:1.25', parameters: [{ key: 'label', value: 'x=y' }] },
        portMappings: [
          { containerPort: 80, name: 'http', labels: { VIP_0: '/web:80' } },
          { containerPort: 53, hostPort: 31053, servicePort: 10053, protocol: 'udp' },
        ],
        volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RW' }],
      },
      networks: [{ mode: 'container/bridge' }],
      requirePorts: true,
    });
    expect(app.container).toEqual({
      type: 'DOCKER',
      docker: {
        image: 'nginx:1.25',
        forcePullImage: false,
        privileged: false,
        parameters: [{ key: 'label', value: 'x=y' }],
      },
      volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RW' }],
      portMappings: [
        {
          containerPort: 80,
          hostPort: 0,
          servicePort: 0,
          protocol: 'tcp',
          name: 'http',
          labels: { VIP_0: '/web:80' },
        },
        { containerPort: 53, hostPort: 31053, servicePort: 10053, protocol: 'udp' },
      ],
    });
    expect(app.networks).toEqual([{ mode: 'container/bridge' }]);
    expect(app.portDefinitions).toBeUndefined();
    // requirePorts only applies to host networking.
    expect(app.requirePorts).toBe(false);
  });

  it('converts docker.network and docker.portMappings (deprecated) to the same canonical form', () => {
    const old = parse({
      id: '/web',
      container: {
        docker: { image: 'nginx', network: 'BRIDGE', portMappings: [{ containerPort: 80, hostPort: 0 }] },
      },
    });
    const canonical = parse({
      id: '/web',
      networks: [{ mode: 'container/bridge' }],
      container: {
        type: 'DOCKER',
        docker: { image: 'nginx' },
        portMappings: [{ containerPort: 80, hostPort: 0 }],
      },
    });
    expect(old).toEqual(canonical);
    expect(old.container?.type).toBe('DOCKER');
  });

  it('maps docker.network HOST and USER, and ipAddress, to networks', () => {
    expect(parse({ id: '/a', container: { docker: { image: 'i', network: 'HOST' } } }).networks).toEqual([
      { mode: 'host' },
    ]);
    const user = parse({
      id: '/a',
      container: { docker: { image: 'i', network: 'USER' } },
      ipAddress: { networkName: 'dcos' },
    });
    expect(user.networks).toEqual([{ mode: 'container', name: 'dcos' }]);
    expect(user.container?.portMappings).toEqual([
      { containerPort: 0, servicePort: 0, protocol: 'tcp', name: 'default' },
    ]);
  });

  it('gives bridge networking without a container a Mesos container with one default mapping', () => {
    const app = parse({
      id: '/a',
      cmd: 'python3 -m http.server $PORT0',
      networks: [{ mode: 'container/bridge' }],
    });
    expect(app.container).toEqual({
      type: 'MESOS',
      volumes: [],
      portMappings: [{ containerPort: 0, hostPort: 0, servicePort: 0, protocol: 'tcp', name: 'default' }],
    });
    expect(app.portDefinitions).toBeUndefined();
  });

  it('drops portDefinitions with non-host networking but keeps their count as port mappings', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      networks: [{ mode: 'container/bridge' }],
      container: { type: 'MESOS' },
      portDefinitions: [{ port: 0 }, { port: 0 }],
    });
    expect(app.portDefinitions).toBeUndefined();
    expect(app.container?.portMappings).toHaveLength(2);
  });

  it('drops port mappings with host networking', () => {
    const app = parse({
      id: '/a',
      container: { docker: { image: 'i' }, portMappings: [{ containerPort: 80 }] },
    });
    expect(app.container?.portMappings).toBeUndefined();
    expect(app.portDefinitions).toEqual([{ port: 0, protocol: 'tcp', name: 'default' }]);
  });

  it('converts ports to portDefinitions; [] means no ports', () => {
    expect(parse({ id: '/a', cmd: 'run', ports: [0, 10005] }).portDefinitions).toEqual([
      { port: 0, protocol: 'tcp' },
      { port: 10005, protocol: 'tcp' },
    ]);
    expect(parse({ id: '/a', cmd: 'run', portDefinitions: [] }).portDefinitions).toEqual([]);
    expect(parse({ id: '/a', cmd: 'run', ports: [] }).portDefinitions).toEqual([]);
  });

  it('fills port definition defaults', () => {
    expect(
      parse({
        id: '/a',
        cmd: 'run',
        portDefinitions: [{ name: 'http' }, { port: 8080, protocol: 'udp,tcp', labels: { a: 'b' } }],
      }).portDefinitions,
    ).toEqual([
      { port: 0, protocol: 'tcp', name: 'http' },
      { port: 8080, protocol: 'udp,tcp', labels: { a: 'b' } },
    ]);
  });

  it('converts uris to fetch, extracting archives only', () => {
    expect(
      parse({ id: '/a', cmd: 'run', uris: ['http://h/app.tgz', 'http://h/run.sh', 'http://h/x.zip?v=1'] })
        .fetch,
    ).toEqual([
      { uri: 'http://h/app.tgz', extract: true, executable: false, cache: false },
      { uri: 'http://h/run.sh', extract: false, executable: false, cache: false },
      { uri: 'http://h/x.zip?v=1', extract: true, executable: false, cache: false },
    ]);
  });

  it('fills fetch defaults (extract true, as the RAML says)', () => {
    expect(parse({ id: '/a', cmd: 'run', fetch: [{ uri: 'http://h/x', destPath: 'y' }] }).fetch).toEqual([
      { uri: 'http://h/x', extract: true, executable: false, cache: false, destPath: 'y' },
    ]);
  });

  it('fills health check defaults', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      healthChecks: [
        {},
        { protocol: 'TCP', port: 8080 },
        { protocol: 'COMMAND', command: 'curl -f localhost' },
      ],
    });
    expect(app.healthChecks).toEqual([
      {
        protocol: 'HTTP',
        path: '/',
        portIndex: 0,
        gracePeriodSeconds: 300,
        intervalSeconds: 60,
        timeoutSeconds: 20,
        maxConsecutiveFailures: 3,
        delaySeconds: 15,
        ignoreHttp1xx: false,
      },
      {
        protocol: 'TCP',
        port: 8080,
        gracePeriodSeconds: 300,
        intervalSeconds: 60,
        timeoutSeconds: 20,
        maxConsecutiveFailures: 3,
        delaySeconds: 15,
        ignoreHttp1xx: false,
      },
      {
        protocol: 'COMMAND',
        command: { value: 'curl -f localhost' },
        gracePeriodSeconds: 300,
        intervalSeconds: 60,
        timeoutSeconds: 20,
        maxConsecutiveFailures: 3,
        delaySeconds: 15,
        ignoreHttp1xx: false,
      },
    ]);
  });

  it('fills readiness check defaults', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      portDefinitions: [{ name: 'http-api' }],
      readinessChecks: [{}],
    });
    expect(app.readinessChecks).toEqual([
      {
        name: 'readinessCheck',
        protocol: 'HTTP',
        path: '/',
        portName: 'http-api',
        intervalSeconds: 30,
        timeoutSeconds: 10,
        httpStatusCodesForReady: [200],
        preserveLastResponse: false,
      },
    ]);
  });

  it('resolves a relative id and the dependencies against the base', () => {
    const app = parse(
      { id: 'web', cmd: 'run', dependencies: ['db', '../shared/cache', '/abs'] },
      { base: '/prod' },
    );
    expect(app.id).toBe('/prod/web');
    expect(app.dependencies).toEqual(['/prod/db', '/shared/cache', '/abs']);
  });

  it('defaults the container type to DOCKER and keeps MESOS containers without an image', () => {
    expect(parse({ id: '/a', container: { docker: { image: 'busybox' } } }).container?.type).toBe('DOCKER');
    expect(parse({ id: '/a', cmd: 'run', container: { type: 'MESOS' } }).container).toEqual({
      type: 'MESOS',
      volumes: [],
    });
  });

  it('keeps the given strategies and selections', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
      unreachableStrategy: 'disabled',
      killSelection: 'OLDEST_FIRST',
      backoffSeconds: 5,
      backoffFactor: 2,
      maxLaunchDelaySeconds: 60,
      taskKillGracePeriodSeconds: 10,
      acceptedResourceRoles: ['*'],
      user: 'nobody',
      labels: { team: 'a' },
      env: { A: '1', PASSWORD: { secret: 'pw' } },
      secrets: { pw: { source: '/db/password' } },
    });
    expect(app).toMatchObject({
      upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
      unreachableStrategy: 'disabled',
      killSelection: 'OLDEST_FIRST',
      backoffSeconds: 5,
      backoffFactor: 2,
      maxLaunchDelaySeconds: 60,
      taskKillGracePeriodSeconds: 10,
      acceptedResourceRoles: ['*'],
      user: 'nobody',
      labels: { team: 'a' },
      env: { A: '1', PASSWORD: { secret: 'pw' } },
      secrets: { pw: { source: '/db/password' } },
    });
  });

  it('defaults a missing upgradeStrategy member to 1', () => {
    expect(
      parse({ id: '/a', cmd: 'run', upgradeStrategy: { minimumHealthCapacity: 0.5 } }).upgradeStrategy,
    ).toEqual({
      minimumHealthCapacity: 0.5,
      maximumOverCapacity: 1,
    });
  });

  it('treats null as absent and ignores unknown keys', () => {
    const app = parse({
      ...TRIVIAL,
      args: null,
      container: null,
      ports: null,
      tasksRunning: 3,
      deployments: [],
      foo: 'bar',
    });
    expect(app).toEqual(parse(TRIVIAL));
  });

  it('collapses duplicate constraints, health checks and dependencies (they are sets) and upper-cases operators', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      constraints: [
        ['hostname', 'unique'],
        ['hostname', 'UNIQUE'],
        ['rack', 'GROUP_BY', '3'],
      ],
      dependencies: ['/b', '/b'],
      healthChecks: [{ protocol: 'TCP' }, { protocol: 'TCP' }],
    });
    expect(app.constraints).toEqual([
      ['hostname', 'UNIQUE'],
      ['rack', 'GROUP_BY', '3'],
    ]);
    expect(app.dependencies).toEqual(['/b']);
    expect(app.healthChecks).toHaveLength(1);
  });

  it('stamps version and versionInfo with opts.version, ignoring the body version', () => {
    const app = parse({ ...TRIVIAL, version: '2019-01-01T00:00:00.000Z' });
    expect(app.version).toBe(V1);
    expect(app.versionInfo).toEqual({ lastScalingAt: V1, lastConfigChangeAt: V1 });
  });

  it('lets opts.id override the body id, and makes the id optional with requireId false', () => {
    expect(parse({ id: '/other', cmd: 'run' }, { id: '/mine' }).id).toBe('/mine');
    expect(parse({ cmd: 'run' }, { id: '/mine' }).id).toBe('/mine');
    expect(parse({ cmd: 'run' }, { requireId: false, base: '/g/app' }).id).toBe('/g/app');
  });

  it('uses the default role it is given', () => {
    const app = parseAppDefinition({ id: '/a', cmd: 'run' }, { version: V1, defaultRole: 'marathon' });
    expect(app.role).toBe('marathon');
  });
});

describe('parseAppDefinition: JSON errors (Invalid JSON)', () => {
  it('names the missing id', () => {
    expect(jsonErrors({ cmd: 'run' })).toEqual([{ path: '/id', errors: ['error.path.missing'] }]);
  });

  it('refuses a body that is not an object', () => {
    expect(jsonErrors([TRIVIAL])).toEqual([{ path: '/', errors: ['error.expected.jsobject'] }]);
    expect(jsonErrors('app')).toEqual([{ path: '/', errors: ['error.expected.jsobject'] }]);
  });

  it('reports every wrong type with its path', () => {
    expect(
      jsonErrors({
        id: 123,
        cmd: ['sleep'],
        args: 'a b',
        env: [],
        cpus: '1',
        instances: 1.5,
        requirePorts: 'yes',
        labels: { a: 1 },
        healthChecks: [{ portIndex: 'x' }],
        container: { docker: {} },
        killSelection: 'RANDOM',
        constraints: [['hostname']],
      }),
    ).toEqual([
      { path: '/id', errors: ['error.expected.jsstring'] },
      { path: '/cmd', errors: ['error.expected.jsstring'] },
      { path: '/args', errors: ['error.expected.jsarray'] },
      { path: '/env', errors: ['error.expected.jsobject'] },
      { path: '/instances', errors: ['error.expected.int'] },
      { path: '/cpus', errors: ['error.expected.jsnumber'] },
      { path: '/constraints(0)', errors: ['error.minLength'] },
      { path: '/container/docker/image', errors: ['error.path.missing'] },
      { path: '/healthChecks(0)/portIndex', errors: ['error.expected.jsnumber'] },
      { path: '/labels/a', errors: ['error.expected.jsstring'] },
      { path: '/killSelection', errors: ['error.unknown.enum.literal'] },
      { path: '/requirePorts', errors: ['error.expected.jsboolean'] },
    ]);
  });

  it('reports the RAML minimum and maximum facets (negative resources, capacities out of [0,1])', () => {
    expect(
      jsonErrors({
        id: '/a',
        cmd: 'run',
        instances: -1,
        cpus: 0.0001,
        mem: -128,
        disk: -1,
        gpus: -1,
        backoffFactor: 0.5,
        upgradeStrategy: { minimumHealthCapacity: 1.2, maximumOverCapacity: -0.1 },
        portDefinitions: [{ port: 70000 }],
      }),
    ).toEqual([
      { path: '/instances', errors: ['error.min'] },
      { path: '/cpus', errors: ['error.min'] },
      { path: '/mem', errors: ['error.min'] },
      { path: '/disk', errors: ['error.min'] },
      { path: '/gpus', errors: ['error.min'] },
      { path: '/backoffFactor', errors: ['error.min'] },
      { path: '/upgradeStrategy/minimumHealthCapacity', errors: ['error.max'] },
      { path: '/upgradeStrategy/maximumOverCapacity', errors: ['error.min'] },
      { path: '/portDefinitions(0)/port', errors: ['error.max'] },
    ]);
  });

  it('checks the id pattern, names and the executor pattern', () => {
    expect(
      jsonErrors({
        id: '/Bad_Id',
        cmd: '',
        executor: 'a//b',
        portDefinitions: [{ name: 'Bad Name' }],
        networks: [{ mode: 'nat' }],
      }),
    ).toEqual([
      { path: '/id', errors: ['error.pattern'] },
      { path: '/cmd', errors: ['error.minLength'] },
      { path: '/executor', errors: ['error.pattern'] },
      { path: '/networks(0)/mode', errors: ['error.unknown.enum.literal'] },
      { path: '/portDefinitions(0)/name', errors: ['error.pattern'] },
    ]);
  });
});

describe('parseAppDefinition: validation errors (Object is not valid)', () => {
  it('refuses both cmd and args, and neither', () => {
    expect(violations({ id: '/a', cmd: 'run', args: ['run'] })).toEqual([
      { path: '/', errors: [NOT_CMD_OR_ARGS] },
    ]);
    expect(violations({ id: '/a' })).toEqual([{ path: '/', errors: [NOT_CMD_OR_ARGS] }]);
    expect(violations({ id: '/a', container: { type: 'MESOS' } })).toEqual([
      { path: '/', errors: [NOT_CMD_OR_ARGS] },
    ]);
  });

  it('accepts a docker image without a command, and args alone', () => {
    expect(parse({ id: '/a', container: { docker: { image: 'nginx' } } }).cmd).toBeUndefined();
    expect(parse({ id: '/a', args: ['/bin/run', '--fast'] }).args).toEqual(['/bin/run', '--fast']);
  });

  it('refuses one-character commands, as Marathon does', () => {
    expect(violations({ id: '/a', cmd: 'x' })).toEqual([
      { path: '/', errors: ['must not be an empty string'] },
    ]);
  });

  it('refuses the root, reserved words and bad dependencies', () => {
    expect(violations({ id: '/', cmd: 'run' })).toEqual([
      { path: '/id', errors: ['Path must contain at least one path element'] },
      { path: '/', errors: ['must not be root'] },
    ]);
    expect(violations({ id: '/app/restart', cmd: 'run' })).toEqual([
      {
        path: '/id',
        errors: ['must not end with any of the following reserved keywords: restart, tasks, versions, ., ..'],
      },
    ]);
    expect(violations({ id: '/a', cmd: 'run', dependencies: ['/ok', '/b/tasks'] })).toEqual([
      {
        path: '/dependencies(1)',
        errors: ['must not end with any of the following reserved keywords: restart, tasks, versions, ., ..'],
      },
    ]);
  });

  it('refuses uris next to fetch', () => {
    expect(
      violations({ id: '/a', cmd: 'run', uris: ['http://h/a'], fetch: [{ uri: 'http://h/b' }] }),
    ).toEqual([{ path: '/uris', errors: ['may not be set in conjunction with fetch'] }]);
  });

  it('refuses ports next to different portDefinitions, and duplicate fixed ports', () => {
    expect(
      violations({ id: '/a', cmd: 'run', ports: [0], portDefinitions: [{ port: 0 }, { port: 0 }] }),
    ).toEqual([{ path: '/', errors: ['cannot specify both ports and port definitions'] }]);
    expect(
      parse({ id: '/a', cmd: 'run', ports: [0], portDefinitions: [{ port: 0, name: 'x' }] }).portDefinitions,
    ).toEqual([{ port: 0, protocol: 'tcp', name: 'x' }]);
    expect(violations({ id: '/a', cmd: 'run', ports: [10001, 10001, 0, 0] })).toEqual([
      { path: '/', errors: ['ports must be unique'] },
    ]);
  });

  it('refuses duplicate port names and fixed ports', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        portDefinitions: [
          { port: 8080, name: 'http' },
          { port: 8080, name: 'http' },
        ],
      }),
    ).toEqual([
      { path: '/portDefinitions', errors: ['Port names must be unique.', 'Ports must be unique.'] },
    ]);
    expect(
      violations({
        id: '/a',
        container: { docker: { image: 'i' }, portMappings: [{ name: 'p' }, { name: 'p' }] },
        networks: [{ mode: 'container/bridge' }],
      }),
    ).toEqual([{ path: '/container/portMappings', errors: ['Port names must be unique.'] }]);
  });

  it('refuses docker.network next to networks, and both kinds of port mappings', () => {
    expect(
      violations({
        id: '/a',
        container: { docker: { image: 'i', network: 'BRIDGE' } },
        networks: [{ mode: 'container/bridge' }],
      }),
    ).toEqual([{ path: '/', errors: ['must not specify both container.docker.network and networks'] }]);
    expect(
      violations({
        id: '/a',
        networks: [{ mode: 'container/bridge' }],
        container: {
          docker: { image: 'i', portMappings: [{ containerPort: 1 }] },
          portMappings: [{ containerPort: 2 }],
        },
      }),
    ).toEqual([{ path: '/container', errors: ['cannot specify both portMappings and docker.portMappings'] }]);
  });

  it('refuses deprecated docker fields on a Mesos container', () => {
    expect(
      violations({
        id: '/a',
        container: {
          type: 'MESOS',
          docker: { image: 'i', network: 'HOST', parameters: [{ key: 'k', value: 'v' }], credential: {} },
        },
      }),
    ).toEqual([
      { path: '/container/docker/credential', errors: ['must be empty'] },
      { path: '/container/docker/network', errors: ['must be empty'] },
      { path: '/container/docker/parameters', errors: ['must be empty'] },
    ]);
  });

  it('requires docker settings for a DOCKER container', () => {
    expect(violations({ id: '/a', cmd: 'run', container: { type: 'DOCKER' } })).toEqual([
      { path: '/container/docker', errors: ['not defined'] },
    ]);
  });

  it('checks networks', () => {
    expect(violations({ id: '/a', cmd: 'run', networks: [{ mode: 'container' }] })).toEqual([
      { path: '/networks', errors: ['Network name must be specified when container network is selected.'] },
    ]);
    expect(violations({ id: '/a', cmd: 'run', networks: [{ mode: 'host', name: 'x' }] })).toEqual([
      { path: '/networks', errors: ['Host networks may not have names or labels'] },
    ]);
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        networks: [{ mode: 'container/bridge' }, { mode: 'container/bridge' }],
      }),
    ).toEqual([
      {
        path: '/networks',
        errors: [
          'May specify a single host network, single bridge network, or else 1-to-n container networks',
        ],
      },
    ]);
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        networks: [
          { mode: 'container', name: 'n1' },
          { mode: 'container', name: 'n1' },
        ],
      }),
    ).toEqual([{ path: '/networks', errors: ['Duplicate networks are not allowed'] }]);
  });

  it('checks port mapping network names', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        networks: [
          { mode: 'container', name: 'n1' },
          { mode: 'container', name: 'n2' },
        ],
        container: {
          type: 'MESOS',
          portMappings: [{ containerPort: 80, hostPort: 0, networkNames: ['n3'] }],
        },
      }),
    ).toEqual([{ path: '/container/portMappings(0)/networkNames(0)', errors: ['is not one of (n1,n2)'] }]);
  });

  it('checks health check port indices against the ports', () => {
    expect(violations({ id: '/a', cmd: 'run', healthChecks: [{ portIndex: 1 }] })).toEqual([
      { path: '/healthChecks(0)', errors: [PORT_INDEX] },
    ]);
    expect(
      violations({ id: '/a', cmd: 'run', portDefinitions: [], healthChecks: [{ protocol: 'TCP' }] }),
    ).toEqual([{ path: '/healthChecks(0)', errors: [PORT_INDEX] }]);
    expect(
      parse({ id: '/a', cmd: 'run', portDefinitions: [], healthChecks: [{ port: 8080 }] }).healthChecks,
    ).toHaveLength(1);
    expect(
      parse({
        id: '/a',
        networks: [{ mode: 'container/bridge' }],
        container: { docker: { image: 'i' }, portMappings: [{ containerPort: 1 }, { containerPort: 2 }] },
        healthChecks: [{ portIndex: 1 }],
      }).healthChecks[0]?.portIndex,
    ).toBe(1);
  });

  it('checks command health checks and the one-Mesos-check rule', () => {
    expect(violations({ id: '/a', cmd: 'run', healthChecks: [{ protocol: 'COMMAND' }] })).toEqual([
      { path: '/healthChecks(0)/command', errors: ['not defined'] },
    ]);
    expect(violations({ id: '/a', cmd: 'run', healthChecks: [{ command: { value: 'true' } }] })).toEqual([
      { path: '/healthChecks(0)', errors: ['illegal protocol HTTP specified with command'] },
    ]);
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        healthChecks: [{ protocol: 'MESOS_HTTP' }, { protocol: 'MESOS_TCP' }],
      }),
    ).toEqual([{ path: '/', errors: ['AppDefinition can contain at most one Mesos health check'] }]);
    expect(
      violations({ id: '/a', cmd: 'run', healthChecks: [{ protocol: 'HTTP', ipProtocol: 'IPv6' }] }),
    ).toEqual([
      {
        path: '/healthChecks(0)',
        errors: ['IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks'],
      },
    ]);
  });

  it('checks readiness checks', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        portDefinitions: [{ name: 'http' }],
        readinessChecks: [
          { portName: 'http', intervalSeconds: 5, timeoutSeconds: 5 },
          { portName: 'nope', intervalSeconds: 30, timeoutSeconds: 10 },
        ],
      }),
    ).toEqual([
      { path: '/readinessChecks', errors: ['got 2, expected 1 or less'] },
      { path: '/readinessChecks(0)/timeoutSeconds', errors: ['got 5, expected less than 5'] },
      { path: '/readinessChecks(1)/portName', errors: ['No port definition reference for portName nope'] },
    ]);
  });

  it('checks constraints', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        constraints: [
          ['hostname', 'UNIQUE', 'x'],
          ['rack', 'GROUP_BY', 'two'],
          ['rack', 'MAX_PER'],
          ['rack', 'LIKE'],
          ['rack', 'UNLIKE', '(unclosed'],
          ['rack', 'IS', '[1-2]'],
          ['rack', 'EQUALS', 'a'],
          ['', 'UNIQUE'],
        ],
      }),
    ).toEqual([
      { path: '/constraints(0)', errors: ['UNIQUE does not accept a value'] },
      { path: '/constraints(1)', errors: ['GROUP BY must define an integer value or else no value at all'] },
      { path: '/constraints(2)', errors: ['MAX_PER requires an integer value'] },
      { path: '/constraints(3)', errors: ['LIKE and UNLIKE require a non-empty, regular expression value'] },
      { path: '/constraints(4)', errors: ['is not a valid regular expression'] },
      {
        path: '/constraints(5)',
        errors: [
          'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)',
        ],
      },
      {
        path: '/constraints(6)',
        errors: [
          'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS',
        ],
      },
      { path: '/constraints(7)', errors: ['illegal constraint specification'] },
    ]);
    const ok = parse({
      id: '/a',
      cmd: 'run',
      constraints: [
        ['hostname', 'CLUSTER', 'a.b'],
        ['rack', 'GROUP_BY'],
        ['rack', 'GROUP_BY', '3'],
        ['rack', 'MAX_PER', '2'],
        ['@zone', 'LIKE', 'us-.*'],
        ['rack', 'IS', 'r1'],
        ['hostname', 'CLUSTER'],
      ],
    });
    expect(ok.constraints).toHaveLength(7);
  });

  it('checks the unreachable strategy order', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        unreachableStrategy: { inactiveAfterSeconds: 600, expungeAfterSeconds: 300 },
      }),
    ).toEqual([
      {
        path: '/unreachableStrategy/inactiveAfterSeconds',
        errors: ['inactiveAfterSeconds (600) must be less or equal to expungeAfterSeconds, which is 300'],
      },
    ]);
  });

  it('checks roles and accepted resource roles', () => {
    expect(violations({ id: '/a', cmd: 'run', role: 'prod' })).toEqual([
      { path: '/role', errors: ['got prod, expected one of: [*]'] },
    ]);
    expect(violations({ id: '/a', cmd: 'run', acceptedResourceRoles: ['slave_public'] })).toEqual([
      { path: '/acceptedResourceRoles', errors: ['acceptedResourceRoles can only contain *'] },
    ]);
    expect(violations({ id: '/a', cmd: 'run', acceptedResourceRoles: [] })).toEqual([
      { path: '/acceptedResourceRoles', errors: ['must not be empty'] },
    ]);
    const app = parseAppDefinition(
      { id: '/a', cmd: 'run', role: 'slave_public', acceptedResourceRoles: ['slave_public', '*'] },
      { version: V1, validRoles: ['*', 'slave_public'] },
    );
    expect(app.acceptedResourceRoles).toEqual(['slave_public', '*']);
  });

  it('checks secrets referenced from env', () => {
    expect(violations({ id: '/a', cmd: 'run', env: { PASSWORD: { secret: 'pw' } } })).toEqual([
      { path: '/env/PASSWORD/secret', errors: ['references an undefined secret'] },
    ]);
  });

  it('refuses GPUs (the gpu_resources feature is off), and on Docker', () => {
    expect(violations({ id: '/a', container: { docker: { image: 'i' } }, gpus: 1 })).toEqual([
      {
        path: '/',
        errors: [
          'GPU resources only work with the Mesos containerizer',
          'Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)',
        ],
      },
    ]);
  });

  it('applies the single-instance label rules', () => {
    expect(
      violations({ id: '/a', cmd: 'run', instances: 2, labels: { MARATHON_SINGLE_INSTANCE_APP: 'true' } }),
    ).toEqual([
      { path: '/', errors: ['Single instance app may only have one instance'] },
      { path: '/upgradeStrategy/minimumHealthCapacity', errors: ['got 1.0, expected 0.0'] },
      { path: '/upgradeStrategy/maximumOverCapacity', errors: ['got 1.0, expected 0.0'] },
    ]);
  });

  it('applies the resident (persistent volume) rules', () => {
    expect(
      violations({
        id: '/a',
        cmd: 'run',
        container: {
          type: 'MESOS',
          volumes: [{ containerPath: 'data/x', mode: 'RO', persistent: { size: 0 } }],
        },
        upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 },
      }),
    ).toEqual([
      { path: '/container/volumes(0)/containerPath', errors: ['value must not contain "/"'] },
      { path: '/container/volumes(0)/mode', errors: ['got RO, expected RW'] },
      { path: '/container/volumes(0)/persistent/size', errors: ['got 0, expected more than 0'] },
      { path: '/upgradeStrategy/maximumOverCapacity', errors: ['got 0.5, expected 0.0'] },
      { path: '/role', errors: ['Resident apps cannot have the role *'] },
    ]);
  });

  it("refuses what Marathon's default features leave out: pull configs, external and secret volumes", () => {
    expect(
      violations({
        id: '/a',
        container: {
          docker: { image: 'i', pullConfig: { secret: 's' } },
          volumes: [
            { containerPath: '/a', external: { name: 'v', provider: 'dvdi' }, mode: 'RW' },
            { containerPath: '/b', secret: 's' },
          ],
        },
      }),
    ).toEqual([
      {
        path: '/container/docker/pullConfig',
        errors: ['pullConfig is not supported with Docker containerizer'],
      },
      {
        path: '/container/volumes(0)',
        errors: ['Feature external_volumes is not enabled. Enable with --enable_features external_volumes)'],
      },
      {
        path: '/container/volumes(1)',
        errors: ['Feature secrets is not enabled. Enable with --enable_features secrets)'],
      },
    ]);
  });

  it('collects every violation of one body', () => {
    expect(
      violations({
        id: '/a/versions',
        cmd: 'run',
        args: ['x'],
        healthChecks: [{ portIndex: 3 }],
        unreachableStrategy: { inactiveAfterSeconds: 2, expungeAfterSeconds: 1 },
      }),
    ).toEqual([
      {
        path: '/id',
        errors: ['must not end with any of the following reserved keywords: restart, tasks, versions, ., ..'],
      },
      { path: '/', errors: [NOT_CMD_OR_ARGS] },
      { path: '/healthChecks(0)', errors: [PORT_INDEX] },
      {
        path: '/unreachableStrategy/inactiveAfterSeconds',
        errors: ['inactiveAfterSeconds (2) must be less or equal to expungeAfterSeconds, which is 1'],
      },
    ]);
  });
});

describe('updates', () => {
  const current = assignServicePorts(
    parse({ id: '/web', cmd: 'serve', instances: 2, labels: { a: 'b' } }),
    new Set(),
  );

  it('PUT partial: present fields replace, the rest is kept, the id stays', () => {
    const next = mergeAppUpdate(current, { id: '/elsewhere', instances: 5, cpus: null }, { version: V2 });
    expect(next).toEqual({
      ...current,
      instances: 5,
      version: V2,
      versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
    });
    expect(classifyAppChange(current, next)).toBe('scale');
  });

  it('PUT partial: a config change', () => {
    const next = mergeAppUpdate(current, { cmd: 'serve --fast', labels: {} }, { version: V2 });
    expect(next.cmd).toBe('serve --fast');
    expect(next.labels).toEqual({});
    expect(next.portDefinitions).toEqual(current.portDefinitions);
    expect(classifyAppChange(current, next)).toBe('config');
  });

  it('PUT partial: args next to the stored cmd is both (Marathon refuses it too)', () => {
    expect(failure(() => mergeAppUpdate(current, { args: ['x'] }, { version: V2 })).details).toEqual([
      { path: '/', errors: [NOT_CMD_OR_ARGS] },
    ]);
  });

  it('PUT partial: deprecated fields of the patch are converted first', () => {
    const next = mergeAppUpdate(current, { ports: [0, 0], uris: ['http://h/a.tgz'] }, { version: V2 });
    expect(next.portDefinitions).toEqual([
      { port: 0, protocol: 'tcp' },
      { port: 0, protocol: 'tcp' },
    ]);
    expect(next.fetch).toEqual([{ uri: 'http://h/a.tgz', extract: true, executable: false, cache: false }]);
  });

  it('PUT partial: switching to bridge networking turns the port definitions into port mappings', () => {
    const next = mergeAppUpdate(current, { networks: [{ mode: 'container/bridge' }] }, { version: V2 });
    expect(next.portDefinitions).toBeUndefined();
    expect(next.container?.portMappings).toEqual([
      { containerPort: 0, hostPort: 0, servicePort: 0, protocol: 'tcp', name: 'default' },
    ]);
  });

  it('PUT partial: JSON errors and rule violations of the patch', () => {
    expect(failure(() => mergeAppUpdate(current, { instances: -2 }, { version: V2 }))).toEqual({
      kind: 'json',
      details: [{ path: '/instances', errors: ['error.min'] }],
    });
    expect(failure(() => mergeAppUpdate(current, { version: V1, cmd: 'x y' }, { version: V2 }))).toEqual({
      kind: 'validation',
      details: [{ path: '/', errors: ["The 'version' field may only be combined with the 'id' field."] }],
    });
  });

  it('PUT full (partialUpdate=false): absent fields take their defaults, the id stays', () => {
    const next = replaceApp(current, { id: '/ignored', cmd: 'serve' }, { version: V2 });
    expect(next.id).toBe('/web');
    expect(next.instances).toBe(1);
    expect(next.labels).toEqual({});
  });

  it('lets an app keep a role that is no longer among the valid ones', () => {
    const special = parseAppDefinition(
      { id: '/s', cmd: 'run', role: 'ops' },
      { version: V1, validRoles: ['*', 'ops'] },
    );
    expect(mergeAppUpdate(special, { instances: 2 }, { version: V2 }).role).toBe('ops');
    expect(replaceApp(special, { cmd: 'run', role: 'ops' }, { version: V2 }).role).toBe('ops');
    expect(failure(() => mergeAppUpdate(special, { role: 'other' }, { version: V2 })).details).toEqual([
      { path: '/role', errors: ['got other, expected one of: [*, ops]'] },
    ]);
  });

  it('rollbackVersionOf recognises {"version"} bodies', () => {
    expect(rollbackVersionOf({ version: V1 })).toBe(V1);
    expect(rollbackVersionOf({ id: '/web', version: V1 })).toBe(V1);
    expect(rollbackVersionOf({ instances: 2 })).toBeUndefined();
    expect(rollbackVersionOf({ instances: 2, version: null })).toBeUndefined();
    expect(rollbackVersionOf([1])).toBeUndefined();
    expect(failure(() => rollbackVersionOf({ version: V1, instances: 2 })).kind).toBe('validation');
    expect(failure(() => rollbackVersionOf({ version: 5 })).details).toEqual([
      { path: '/version', errors: ['error.expected.jsstring'] },
    ]);
  });
});

describe('versions', () => {
  const app = parse(TRIVIAL);
  const stored = stampVersion(undefined, app, V1);

  it('classifies none, scale and config changes, ignoring versions', () => {
    expect(
      classifyAppChange(stored, {
        ...stored,
        version: V2,
        versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
      }),
    ).toBe('none');
    expect(classifyAppChange(stored, { ...stored, instances: 3 })).toBe('scale');
    expect(classifyAppChange(stored, { ...stored, instances: 3, mem: 64 })).toBe('config');
    expect(classifyAppChange(stored, { ...stored, labels: { x: 'y' } })).toBe('config');
    // Key order does not matter.
    const reordered = Object.fromEntries(Object.entries(stored).reverse()) as unknown as AppDefinition;
    expect(classifyAppChange(stored, reordered)).toBe('none');
  });

  it('stamps a new app with now everywhere', () => {
    const fresh = { ...app, version: 'x', versionInfo: { lastScalingAt: 'x', lastConfigChangeAt: 'x' } };
    expect(stampVersion(undefined, fresh, V1)).toMatchObject({
      version: V1,
      versionInfo: { lastScalingAt: V1, lastConfigChangeAt: V1 },
    });
  });

  it('keeps the stored version when nothing changed', () => {
    const same = stampVersion(stored, { ...stored, version: V2 }, V2);
    expect(same.version).toBe(V1);
    expect(same.versionInfo).toEqual({ lastScalingAt: V1, lastConfigChangeAt: V1 });
  });

  it('moves version and lastScalingAt on a scale', () => {
    const scaled = stampVersion(stored, { ...stored, instances: 4 }, V2);
    expect(scaled.version).toBe(V2);
    expect(scaled.versionInfo).toEqual({ lastScalingAt: V2, lastConfigChangeAt: V1 });
  });

  it('moves all three on a config change', () => {
    const scaled = stampVersion(stored, { ...stored, instances: 4 }, V2);
    const changed = stampVersion(scaled, { ...scaled, cmd: 'sleep 10' }, V3);
    expect(changed.version).toBe(V3);
    expect(changed.versionInfo).toEqual({ lastScalingAt: V3, lastConfigChangeAt: V3 });
  });

  it('restartStamp moves version and lastConfigChangeAt', () => {
    const scaled = stampVersion(stored, { ...stored, instances: 4 }, V2);
    const restarted = restartStamp(scaled, V3);
    expect(restarted.version).toBe(V3);
    expect(restarted.versionInfo).toEqual({ lastScalingAt: V2, lastConfigChangeAt: V3 });
    expect(classifyAppChange(scaled, restarted)).toBe('none');
  });
});

describe('service ports', () => {
  it('assigns free ports from 10000, skipping used ones and the app’s own fixed ports', () => {
    const app = parse({
      id: '/a',
      cmd: 'run',
      portDefinitions: [{ port: 0 }, { port: 10002 }, { port: 0 }, { port: 0 }],
    });
    const assigned = assignServicePorts(app, new Set([10000, 10003]));
    expect(servicePortsOf(assigned)).toEqual([10001, 10002, 10004, 10005]);
    expect(servicePortsOf(app)).toEqual([0, 10002, 0, 0]);
    expect(assigned).not.toBe(app);
  });

  it('keeps non-zero ports even outside the range', () => {
    const app = parse({ id: '/a', cmd: 'run', portDefinitions: [{ port: 80 }] });
    expect(servicePortsOf(assignServicePorts(app, new Set([80])))).toEqual([80]);
  });

  it('assigns service ports of port mappings', () => {
    const app = parse({
      id: '/a',
      networks: [{ mode: 'container/bridge' }],
      container: {
        docker: { image: 'i' },
        portMappings: [{ containerPort: 80 }, { containerPort: 443, servicePort: 10443 }],
      },
    });
    const assigned = assignServicePorts(app, new Set());
    expect(assigned.container?.portMappings?.map((m) => m.servicePort)).toEqual([10000, 10443]);
    expect(servicePortsOf(assigned)).toEqual([10000, 10443]);
  });

  it('reuses the ports the previous version held', () => {
    const previous = assignServicePorts(
      parse({ id: '/a', cmd: 'run', portDefinitions: [{ port: 0 }, { port: 0 }] }),
      new Set([10000]),
    );
    expect(servicePortsOf(previous)).toEqual([10001, 10002]);
    const next = parse({ id: '/a', cmd: 'run', portDefinitions: [{ port: 0 }, { port: 0 }] });
    const used = new Set([10000, 10001, 10002]);
    expect(servicePortsOf(assignServicePorts(next, used, undefined, previous))).toEqual([10001, 10002]);
    expect(classifyAppChange(previous, assignServicePorts(next, used, undefined, previous))).toBe('none');
  });

  it('honours a custom range and throws when it runs out', () => {
    const app = parse({ id: '/a', cmd: 'run', portDefinitions: [{ port: 0 }, { port: 0 }] });
    expect(servicePortsOf(assignServicePorts(app, new Set([5000]), { min: 5000, max: 5003 }))).toEqual([
      5001, 5002,
    ]);
    expect(() => assignServicePorts(app, new Set([5000, 5001]), { min: 5000, max: 5003 })).toThrow(
      PortRangeExhaustedError,
    );
    expect(() => assignServicePorts(app, new Set(), { min: 5000, max: 5001 })).toThrow(
      'All ports in the range [5000-5001) are already in use',
    );
  });

  it('has nothing to do for apps without ports', () => {
    const app = parse({ id: '/a', cmd: 'run', portDefinitions: [] });
    expect(servicePortsOf(assignServicePorts(app, new Set()))).toEqual([]);
  });
});

describe('renderAppDefinition', () => {
  // MarathonApp's constructor arguments in the Python client (reference §5.2).
  const PYTHON_APP_KEYS = new Set(
    'acceptedResourceRoles args backoffFactor backoffSeconds cmd constraints container cpus dependencies deployments disk env executor healthChecks id role instances killSelection labels lastTaskFailure maxLaunchDelaySeconds mem ports requirePorts storeUrls taskRateLimit tasks tasksRunning tasksStaged tasksHealthy taskKillGracePeriodSeconds tasksUnhealthy upgradeStrategy unreachableStrategy uris user version versionInfo ipAddress fetch taskStats readinessChecks readinessCheckResults secrets portDefinitions residency gpus networks'.split(
      ' ',
    ),
  );

  it('renders the minimal app with exactly the 1.10 keys', () => {
    const json = renderAppDefinition(assignServicePorts(parse(TRIVIAL), new Set()));
    expect(Object.keys(json).sort()).toEqual(
      [
        'id',
        'backoffFactor',
        'backoffSeconds',
        'cmd',
        'constraints',
        'cpus',
        'dependencies',
        'disk',
        'env',
        'executor',
        'fetch',
        'gpus',
        'healthChecks',
        'instances',
        'labels',
        'maxLaunchDelaySeconds',
        'mem',
        'networks',
        'portDefinitions',
        'readinessChecks',
        'requirePorts',
        'secrets',
        'upgradeStrategy',
        'version',
        'versionInfo',
        'killSelection',
        'unreachableStrategy',
        'role',
      ].sort(),
    );
    expect(json.portDefinitions).toEqual([{ port: 10000, protocol: 'tcp', name: 'default' }]);
    expect(json.upgradeStrategy).toEqual({ maximumOverCapacity: 1, minimumHealthCapacity: 1 });
    for (const key of Object.keys(json)) expect(PYTHON_APP_KEYS.has(key)).toBe(true);
  });

  it('renders a bridge app: container port mappings, no portDefinitions, no networkNames', () => {
    const app = parse({
      id: '/web',
      networks: [{ mode: 'container/bridge' }],
      container: {
        docker: { image: 'nginx' },
        portMappings: [{ containerPort: 80, name: 'http', networkNames: [] }],
      },
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health' }],
    });
    const json = renderAppDefinition(app);
    expect(json).not.toHaveProperty('portDefinitions');
    expect(json.container).toEqual({
      type: 'DOCKER',
      docker: { image: 'nginx', forcePullImage: false, privileged: false, parameters: [] },
      volumes: [],
      portMappings: [{ containerPort: 80, hostPort: 0, name: 'http', protocol: 'tcp', servicePort: 0 }],
    });
    expect(json.healthChecks).toEqual([
      {
        gracePeriodSeconds: 300,
        intervalSeconds: 60,
        maxConsecutiveFailures: 3,
        path: '/health',
        portIndex: 0,
        protocol: 'MESOS_HTTP',
        ipProtocol: 'IPv4',
        timeoutSeconds: 20,
        delaySeconds: 15,
      },
    ]);
  });

  it('renders no portMappings key for a host-networked container', () => {
    const json = renderAppDefinition(parse({ id: '/a', container: { docker: { image: 'i' } } }));
    expect(json.container).toEqual({
      type: 'DOCKER',
      docker: { image: 'i', forcePullImage: false, privileged: false, parameters: [] },
      volumes: [],
    });
  });

  it('renders optional keys only when set, and never the deprecated ones', () => {
    const app = parse({
      id: '/a',
      args: ['run'],
      user: 'nobody',
      acceptedResourceRoles: ['*'],
      taskKillGracePeriodSeconds: 3,
      ports: [0],
      uris: ['http://h/x'],
      tty: true,
      healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' } }],
    });
    const json = renderAppDefinition(app);
    expect(json).toMatchObject({
      args: ['run'],
      user: 'nobody',
      acceptedResourceRoles: ['*'],
      taskKillGracePeriodSeconds: 3,
    });
    for (const key of [
      'ports',
      'uris',
      'ipAddress',
      'tty',
      'check',
      'executorResources',
      'resourceLimits',
      'cmd',
      'container',
    ]) {
      expect(json).not.toHaveProperty(key);
    }
    expect((json.healthChecks as Array<Record<string, unknown>>)[0]).toEqual({
      gracePeriodSeconds: 300,
      intervalSeconds: 60,
      maxConsecutiveFailures: 3,
      protocol: 'COMMAND',
      ipProtocol: 'IPv4',
      timeoutSeconds: 20,
      delaySeconds: 15,
      command: { value: 'true' },
    });
  });

  it('parses back to the same app, so that a GET-then-PUT round trip changes nothing', () => {
    const bodies = [
      TRIVIAL,
      {
        id: '/prod/web',
        networks: [{ mode: 'container/bridge' }],
        container: {
          docker: { image: 'nginx', forcePullImage: true, parameters: [{ key: 'a', value: 'b' }] },
          portMappings: [{ containerPort: 80, name: 'http', labels: { VIP_0: '1.2.3.4:80' } }],
          volumes: [{ containerPath: '/d', hostPath: '/srv', mode: 'RO' }],
        },
        healthChecks: [
          { protocol: 'HTTP', path: '/health' },
          { protocol: 'TCP' },
          { protocol: 'COMMAND', command: 'true' },
        ],
        readinessChecks: [{ portName: 'http' }],
        constraints: [['hostname', 'UNIQUE']],
        env: { A: 'b', S: { secret: 's' } },
        secrets: { s: { source: '/x' } },
        fetch: [{ uri: 'http://h/a.tgz', destPath: 'a' }],
        dependencies: ['/prod/db'],
        unreachableStrategy: 'disabled',
        args: ['--port', '80'],
      },
      {
        id: '/named',
        cmd: 'run',
        networks: [{ mode: 'container', name: 'dcos', labels: { a: 'b' } }],
        labels: { team: 'x' },
        container: { type: 'MESOS', portMappings: [{ containerPort: 8080 }] },
      },
      {
        id: '/host',
        cmd: 'run',
        ports: [0, 0],
        requirePorts: true,
        user: 'nobody',
        taskKillGracePeriodSeconds: 5,
      },
      {
        id: '/empty-labels',
        cmd: 'run',
        networks: [{ mode: 'container/bridge', labels: {} }],
        container: { type: 'MESOS', portMappings: [{ containerPort: 1, labels: {} }] },
      },
    ];
    for (const body of bodies) {
      const stored = assignServicePorts(parse(body), new Set());
      // As the Python client's update_app does: the version is nulled (it would ask for a rollback).
      const json = { ...renderAppDefinition(stored), version: null };
      expect(classifyAppChange(stored, mergeAppUpdate(stored, json, { version: V2 }))).toBe('none');
      expect(replaceApp(stored, json, { version: V2 })).toEqual({
        ...stored,
        version: V2,
        versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
      });
    }
  });

  it('is a copy: changing the JSON leaves the app alone', () => {
    const app = parse({ ...TRIVIAL, labels: { a: 'b' }, env: { X: '1' } });
    const json = renderAppDefinition(app);
    (json.labels as Record<string, string>).a = 'changed';
    (json.env as Record<string, string>).X = 'changed';
    expect(app.labels).toEqual({ a: 'b' });
    expect(app.env).toEqual({ X: '1' });
  });
});
