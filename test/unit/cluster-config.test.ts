import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EXAMPLE_CONFIG,
  loadClusterConfig,
  parseClusterConfig,
  parseWait,
  resolveClusterSpec,
  suggest,
  type ClusterConfig,
} from '../../src/cluster/config.js';
import { DEFAULT_AGENT_RESOURCES, defaultClusterSpec } from '../../src/cluster/spec.js';

const HEAD = 'apiVersion: sandbox/v1alpha1\nkind: Cluster\n';
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/clusters');

function parse(body: string): ClusterConfig {
  return parseClusterConfig(HEAD + body, 'dev.yaml');
}

/** The ConfigError parsing throws, so a test can look at its field and message together. */
function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function fieldError(body: string): { field: string; message: string } {
  const err = failure(() => parse(body));
  return { field: err.field, message: err.message };
}

describe('parseClusterConfig', () => {
  it('returns only what the file sets', () => {
    expect(parse('')).toEqual({});
    expect(parse('name: dev\nlogLevel: debug\n')).toEqual({ name: 'dev', logLevel: 'debug' });
  });

  it('reads every field', () => {
    const config = parse(`
name: dev
driver: docker
logLevel: warn
wait: 90s
zookeeper: { count: 3 }
masters: { count: 3, flags: { allocation_interval: 1secs, max_completed_frameworks: 10 } }
agents:
  - count: 2
    resources: "cpus(ml):2;mem:2048;disk:8192;ports:[31000-31099,32000-32000];zones:{a,b}"
    attributes: "rack:a;level:10"
  - resources: cpus:1
agentFlags: { cgroups_enable_cfs: true, isolation: posix }
marathon: { enabled: true, count: 2, flags: { framework_name: dev-marathon } }
chronos: false
ports: { master: 5050, marathon: 0, zookeeper: 65535 }
`);
    expect(config).toEqual({
      name: 'dev',
      driver: 'docker',
      logLevel: 'warn',
      readyTimeoutMs: 90_000,
      zookeepers: 3,
      masters: 3,
      masterFlags: { allocation_interval: '1secs', max_completed_frameworks: '10' },
      agents: [
        {
          count: 2,
          resources: 'cpus(ml):2;mem:2048;disk:8192;ports:[31000-31099,32000-32000];zones:{a,b}',
          attributes: 'rack:a;level:10',
        },
        { count: 1, resources: 'cpus:1', attributes: '' },
      ],
      agentFlags: { cgroups_enable_cfs: 'true', isolation: 'posix' },
      marathon: { enabled: true, count: 2, flags: { framework_name: 'dev-marathon' } },
      chronos: { enabled: false, flags: {} },
      ports: { master: 5050, marathon: 0, zookeeper: 65535 },
    });
  });

  it('fills an agent group with the default resources, no attributes and a count of 1', () => {
    expect(parse('agents:\n  - attributes: rack:a\n').agents).toEqual([
      { count: 1, resources: DEFAULT_AGENT_RESOURCES, attributes: 'rack:a' },
    ]);
  });

  it('allows a cluster without agents', () => {
    expect(parse('agents: []\n').agents).toEqual([]);
  });

  it('takes true/false or a map for marathon and chronos', () => {
    expect(parse('marathon: true\nchronos: false\n')).toEqual({
      marathon: { enabled: true, flags: {} },
      chronos: { enabled: false, flags: {} },
    });
    expect(parse('marathon: { flags: { zk_max_versions: 5 } }\n').marathon).toEqual({
      enabled: true,
      flags: { zk_max_versions: '5' },
    });
    // Marathon's flags are checked against the node's own table; Chronos's are passed through.
    expect(() => parse('marathon: { flags: { event_subscriber: http_callback } }\n')).toThrow(
      /marathon\.flags\.event_subscriber: unknown flag/,
    );
    expect(parse('chronos: { flags: { failure_retry: 1000 } }\n').chronos).toEqual({
      enabled: true,
      flags: { failure_retry: '1000' },
    });
    expect(parse('chronos: { enabled: false }\n').chronos).toEqual({ enabled: false, flags: {} });
  });

  it('reads durations with Mesos units and short ones', () => {
    for (const [text, ms] of [
      ['500ms', 500],
      ['30s', 30_000],
      ['2m', 120_000],
      ['1h', 3_600_000],
      ['90secs', 90_000],
      ['5mins', 300_000],
      ['45', 45_000],
    ] as const) {
      expect(parseWait(text)).toBe(ms);
    }
    expect(parse('wait: 45\n').readyTimeoutMs).toBe(45_000);
  });

  it('names the field, the file and the bad value', () => {
    const cases: Array<[string, string, string]> = [
      [
        'agents:\n  - count: 1\n  - count: two\n',
        'agents[1].count',
        'expected a whole number >= 1, got "two"',
      ],
      ['agents:\n  - count: 0\n', 'agents[0].count', 'expected a whole number >= 1, got 0'],
      ['agents:\n  - count: 1.5\n', 'agents[0].count', 'expected a whole number >= 1, got 1.5'],
      ['agents:\n  - count: 30\n  - count: 21\n', 'agents', 'expected at most 50 agents in all, got 51'],
      ['agents: { count: 2 }\n', 'agents', 'expected a list of agent groups, got a map'],
      ['agents:\n  - 3\n', 'agents[0]', 'expected a map with count, resources, attributes, got 3'],
      ['agents:\n  - resources: 4\n', 'agents[0].resources', 'expected a string, got 4'],
      [
        'agents:\n  - resources: "cpus:lots"\n',
        'agents[0].resources',
        "Invalid resource 'cpus:lots': 'lots' is not a number, [ranges] or {set}",
      ],
      [
        'agents:\n  - resources: "cpus=2"\n',
        'agents[0].resources',
        "Invalid resource 'cpus=2': expected name(role):value",
      ],
      [
        'agents:\n  - resources: "ports:[9-1]"\n',
        'agents[0].resources',
        "Invalid range '9-1' in resource 'ports'",
      ],
      [
        'agents:\n  - attributes: "rack"\n',
        'agents[0].attributes',
        "Invalid attribute 'rack': expected name:value",
      ],
      ['name: Dev\n', 'name', "'Dev' is not a valid cluster name"],
      ['name: 7\n', 'name', 'expected a string, got 7'],
      ['driver: podman\n', 'driver', 'expected one of process, docker, got "podman"'],
      ['driver: dokcer\n', 'driver', 'got "dokcer" (did you mean \'docker\'?)'],
      ['logLevel: verbose\n', 'logLevel', 'expected one of debug, info, warn, error, got "verbose"'],
      ['wait: soon\n', 'wait', "Invalid duration 'soon'"],
      ['wait: 0s\n', 'wait', 'must be more than 0'],
      ['wait: 3y\n', 'wait', "unknown unit 'y'"],
      ['zookeeper: { count: 2 }\n', 'zookeeper.count', 'expected 1, 3 or 5, got 2'],
      ['zookeeper: { count: 7 }\n', 'zookeeper.count', 'expected 1, 3 or 5, got 7'],
      ['zookeeper: 3\n', 'zookeeper', 'expected a map with count, got 3'],
      ['masters: { count: 0 }\n', 'masters.count', 'expected a whole number from 1 to 5, got 0'],
      ['masters: { count: 6 }\n', 'masters.count', 'expected a whole number from 1 to 5, got 6'],
      ['masters: { count: "3" }\n', 'masters.count', 'expected a whole number from 1 to 5, got "3"'],
      [
        'masters: { flags: { allocation_intervl: 1secs } }\n',
        'masters.flags.allocation_intervl',
        "unknown flag (did you mean 'allocation_interval'?)",
      ],
      [
        'masters: { flags: { --offer_timeout: 1secs } }\n',
        'masters.flags.--offer_timeout',
        'write flag names without the leading dashes',
      ],
      [
        'masters: { flags: { quorum: 2 } }\n',
        'masters.flags.quorum',
        "cannot be set here: set from 'masters.count'",
      ],
      ['masters: { flags: { weights: null } }\n', 'masters.flags.weights', 'got nothing'],
      ['masters: { flags: { weights: [a] } }\n', 'masters.flags.weights', 'got a list'],
      ['masters: { flags: [a] }\n', 'masters.flags', 'expected a map of flag names to values, got a list'],
      ['agentFlags: { resources: "cpus:1" }\n', 'agentFlags.resources', "use 'agents[].resources'"],
      [
        'agentFlags: { isolaton: posix }\n',
        'agentFlags.isolaton',
        "unknown flag (did you mean 'isolation'?)",
      ],
      ['marathon: yes\n', 'marathon', 'expected true, false or a map with enabled and flags, got "yes"'],
      ['marathon: { enabled: "no" }\n', 'marathon.enabled', 'expected true or false, got "no"'],
      ['chronos: { flags: { Bad: 1 } }\n', 'chronos.flags.Bad', 'lower-case letters, digits and underscores'],
      ['chronos: { flags: { zk: x } }\n', 'chronos.flags.zk', 'cannot be set here'],
      ['ports: { mastr: 5050 }\n', 'ports.mastr', "unknown role (did you mean 'master'?)"],
      ['ports: { master: 70000 }\n', 'ports.master', 'expected a whole number from 0 to 65535, got 70000'],
      ['ports: { master: -1 }\n', 'ports.master', 'got -1'],
      ['ports: [5050]\n', 'ports', 'expected a map of roles to ports, got a list'],
    ];
    for (const [body, field, message] of cases) {
      const err = fieldError(body);
      expect(err.field, body).toBe(field);
      expect(err.message.startsWith(`dev.yaml: ${field}: `), err.message).toBe(true);
      expect(err.message, body).toContain(message);
    }
  });

  it('rejects unknown fields at every level, suggesting the closest known one', () => {
    expect(fieldError('masters: { cont: 3 }\n')).toEqual({
      field: 'masters.cont',
      message: "dev.yaml: masters.cont: unknown field (did you mean 'count'?)",
    });
    expect(fieldError('agent:\n  - count: 1\n')).toEqual({
      field: 'agent',
      message: "dev.yaml: agent: unknown field (did you mean 'agents'?)",
    });
    expect(fieldError('agents:\n  - count: 1\n    attributs: rack:a\n').message).toBe(
      "dev.yaml: agents[0].attributs: unknown field (did you mean 'attributes'?)",
    );
    expect(fieldError('zookeeper: { count: 1, size: 2 }\n').message).toBe(
      'dev.yaml: zookeeper.size: unknown field (expected one of count)',
    );
    expect(fieldError('marathon: { enable: true }\n').field).toBe('marathon.enable');
    expect(fieldError('agents:\n  - count: 1\n    flags: {}\n').field).toBe('agents[0].flags');
    expect(fieldError('frobnicate: 1\n').message).toMatch(
      /^dev\.yaml: frobnicate: unknown field \(expected one of apiVersion, kind, /,
    );
  });

  it('points at the line and column of the bad field', () => {
    const err = failure(() => parse('name: dev\nagents:\n  - count: 1\n  - count: two\n'));
    expect([err.line, err.column]).toEqual([6, 12]);
  });

  it('requires apiVersion and kind, exactly', () => {
    const cases: Array<[string, string, string]> = [
      ['kind: Cluster\n', 'apiVersion', 'dev.yaml: apiVersion: missing: expected "sandbox/v1alpha1"'],
      [
        'apiVersion: sandbox/v1\nkind: Cluster\n',
        'apiVersion',
        'dev.yaml: apiVersion: expected "sandbox/v1alpha1", got "sandbox/v1"',
      ],
      ['apiVersion: sandbox/v1alpha1\n', 'kind', 'dev.yaml: kind: missing: expected "Cluster"'],
      [
        'apiVersion: sandbox/v1alpha1\nkind: cluster\n',
        'kind',
        'dev.yaml: kind: expected "Cluster", got "cluster"',
      ],
    ];
    for (const [text, field, message] of cases) {
      const err = failure(() => parseClusterConfig(text, 'dev.yaml'));
      expect([err.field, err.message]).toEqual([field, message]);
    }
  });

  it('turns a file that is not a map into an error on the whole file', () => {
    for (const text of ['', '# only a comment\n', '- a\n- b\n', 'just text\n']) {
      const err = failure(() => parseClusterConfig(text, 'dev.yaml'));
      expect(err.field).toBe('');
      expect(err.message).toMatch(
        /^dev\.yaml: expected a map starting with 'apiVersion: sandbox\/v1alpha1', got /,
      );
    }
  });

  it('turns YAML syntax errors into errors with a line and column', () => {
    const err = failure(() => parseClusterConfig(`${HEAD}name: "dev\n`, 'dev.yaml'));
    expect(err.field).toBe('');
    expect(err.message).toMatch(/^dev\.yaml:\d+:\d+: not valid YAML: /);
    expect(err.line).toBeGreaterThanOrEqual(3);

    const dup = failure(() => parseClusterConfig(`${HEAD}name: a\nname: b\n`, 'dev.yaml'));
    expect([dup.field, dup.line, dup.column]).toEqual(['', 4, 1]);
    expect(dup.message).toBe('dev.yaml:4:1: not valid YAML: Map keys must be unique');

    const tab = failure(() => parseClusterConfig(`${HEAD}masters:\n\tcount: 1\n`, 'dev.yaml'));
    expect(tab.message).toMatch(/^dev\.yaml:4:\d+: not valid YAML: /);
  });
});

describe('loadClusterConfig', () => {
  it('reads a file, and names the path of a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-config-'));
    const path = join(dir, 'dev.yaml');
    writeFileSync(path, `${HEAD}name: dev\n`);
    expect(loadClusterConfig(path)).toEqual({ name: 'dev' });

    const missing = failure(() => loadClusterConfig(join(dir, 'nope.yaml')));
    expect([missing.field, missing.message]).toEqual(['', `${join(dir, 'nope.yaml')}: no such file`]);
    expect(failure(() => loadClusterConfig(dir)).message).toBe(`${dir}: is a directory`);
  });

  it('names the file it was given in field errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-config-'));
    const path = join(dir, 'dev.yaml');
    writeFileSync(path, `${HEAD}driver: vm\n`);
    expect(failure(() => loadClusterConfig(path)).message).toBe(
      `${path}: driver: expected one of process, docker, got "vm"`,
    );
  });
});

describe('fixtures/clusters', () => {
  it('default.yaml gives the default cluster', () => {
    expect(resolveClusterSpec(loadClusterConfig(join(FIXTURES, 'default.yaml')), {})).toEqual(
      defaultClusterSpec(),
    );
  });

  it('two-racks.yaml puts agents in two racks', () => {
    const spec = resolveClusterSpec(loadClusterConfig(join(FIXTURES, 'two-racks.yaml')), {});
    expect(spec).toMatchObject({ name: 'two-racks', zookeepers: 3, masters: 3 });
    expect(spec.agents.map((g) => [g.count, g.attributes])).toEqual([
      [2, 'rack:a;zone:west'],
      [2, 'rack:b;zone:east'],
    ]);
    expect(spec.masterFlags).toEqual({ allocation_interval: '500ms' });
    expect([spec.marathon.enabled, spec.chronos.enabled]).toEqual([true, false]);
  });

  it('bad-field.yaml fails naming its bad field', () => {
    const path = join(FIXTURES, 'bad-field.yaml');
    const err = failure(() => loadClusterConfig(path));
    expect(err.field).toBe('agents[1].count');
    expect(err.message).toBe(`${path}: agents[1].count: expected a whole number >= 1, got "two"`);
  });
});

describe('EXAMPLE_CONFIG', () => {
  it('sets every field to its default', () => {
    expect(parseClusterConfig(EXAMPLE_CONFIG, 'sandbox.yaml')).toEqual(defaultClusterSpec());
    expect(resolveClusterSpec(parseClusterConfig(EXAMPLE_CONFIG, 'sandbox.yaml'), {})).toEqual(
      defaultClusterSpec(),
    );
  });

  it('explains itself in comments', () => {
    expect(EXAMPLE_CONFIG.split('\n').filter((l) => l.startsWith('#')).length).toBeGreaterThan(10);
    expect(EXAMPLE_CONFIG).toContain('apiVersion: sandbox/v1alpha1');
  });
});

describe('resolveClusterSpec', () => {
  it('gives the defaults without a file or flags', () => {
    expect(resolveClusterSpec(null, {})).toEqual(defaultClusterSpec());
  });

  it('takes the file over the defaults and the flags over the file', () => {
    const file = parse(
      'name: dev\ndriver: docker\nlogLevel: warn\nwait: 2m\nmasters: { count: 3 }\nmarathon: { flags: { framework_name: b } }\n',
    );
    const fromFile = resolveClusterSpec(file, {});
    expect(fromFile).toMatchObject({
      name: 'dev',
      driver: 'docker',
      logLevel: 'warn',
      readyTimeoutMs: 120_000,
    });
    expect(fromFile.masters).toBe(3);
    expect(fromFile.zookeepers).toBe(1);
    expect(fromFile.agents).toEqual(defaultClusterSpec().agents);

    const spec = resolveClusterSpec(file, {
      name: 'ci',
      driver: 'process',
      logLevel: 'debug',
      wait: '30s',
      masters: '1',
      zookeepers: 3,
      marathon: false,
      chronos: false,
    });
    expect(spec).toMatchObject({
      name: 'ci',
      driver: 'process',
      logLevel: 'debug',
      readyTimeoutMs: 30_000,
      masters: 1,
      zookeepers: 3,
    });
    // Turning a framework off keeps its flags for when it is turned on again.
    expect(spec.marathon).toEqual({ enabled: false, flags: { framework_name: 'b' } });
    expect(spec.chronos).toEqual({ enabled: false, flags: {} });
    expect(resolveClusterSpec(parse('marathon: false\n'), { marathon: true }).marathon.enabled).toBe(true);
  });

  it('--agents N keeps the first group with N agents', () => {
    const file = parse(
      'agents:\n  - count: 2\n    resources: cpus:1\n    attributes: rack:a\n  - count: 2\n    attributes: rack:b\n',
    );
    expect(resolveClusterSpec(file, { agents: 5 }).agents).toEqual([
      { count: 5, resources: 'cpus:1', attributes: 'rack:a' },
    ]);
    expect(resolveClusterSpec(file, { agents: '0' }).agents).toEqual([]);
    expect(resolveClusterSpec(parse('agents: []\n'), { agents: 2 }).agents).toEqual([
      { count: 2, resources: DEFAULT_AGENT_RESOURCES, attributes: '' },
    ]);
    expect(resolveClusterSpec(null, { agents: 1 }).agents).toEqual([
      { count: 1, resources: DEFAULT_AGENT_RESOURCES, attributes: '' },
    ]);
  });

  it('--agent-resources sets the resources of every group', () => {
    const file = parse('agents:\n  - attributes: rack:a\n  - attributes: rack:b\n');
    expect(resolveClusterSpec(file, { agentResources: 'cpus:8' }).agents.map((g) => g.resources)).toEqual([
      'cpus:8',
      'cpus:8',
    ]);
  });

  it('checks flags with the file rules, naming the flag', () => {
    const cases: Array<[Parameters<typeof resolveClusterSpec>[1], string, string]> = [
      [{ masters: 6 }, '--masters', '--masters: expected a whole number from 1 to 5, got 6'],
      [{ masters: 'two' }, '--masters', '--masters: expected a whole number from 1 to 5, got "two"'],
      [{ masters: '' }, '--masters', '--masters: expected a whole number from 1 to 5, got ""'],
      [{ agents: 51 }, '--agents', '--agents: expected a whole number from 0 to 50, got 51'],
      [{ agents: -1 }, '--agents', '--agents: expected a whole number from 0 to 50, got -1'],
      [{ zookeepers: 2 }, '--zookeepers', '--zookeepers: expected 1, 3 or 5, got 2'],
      [{ name: 'My_Cluster' }, '--name', "--name: 'My_Cluster' is not a valid cluster name"],
      [
        { driver: 'dokcer' },
        '--driver',
        '--driver: expected one of process, docker, got "dokcer" (did you mean \'docker\'?)',
      ],
      [{ logLevel: 'trace' }, '--log-level', '--log-level: expected one of debug, info, warn, error'],
      [{ wait: 'forever' }, '--wait', "--wait: Invalid duration 'forever'"],
      [{ agentResources: 'cpus' }, '--agent-resources', "--agent-resources: Invalid resource 'cpus'"],
    ];
    for (const [flags, field, message] of cases) {
      const err = failure(() => resolveClusterSpec(null, flags));
      expect(err.field).toBe(field);
      expect(err.message).toContain(message);
    }
  });

  it('does not share objects with the defaults or the file', () => {
    const file = parse('agents:\n  - count: 1\n');
    const spec = resolveClusterSpec(file, {});
    spec.agents.push({ count: 1, resources: '', attributes: '' });
    spec.masterFlags.x = 'y';
    expect(file.agents).toHaveLength(1);
    expect(resolveClusterSpec(null, {}).masterFlags).toEqual({});
  });
});

describe('suggest', () => {
  it('offers the closest candidate only when it is close', () => {
    expect(suggest('cont', ['count', 'flags'])).toBe('count');
    expect(suggest('Agents', ['agents', 'masters'])).toBe('agents');
    expect(suggest('zzzzzz', ['count', 'flags'])).toBeUndefined();
  });
});
