import { describe, expect, it } from 'vitest';
import { PackageError, parsePackage, type PackageFiles } from '../../src/packages/package.js';
import {
  OptionsError,
  PACKAGE_GROUP_LABEL,
  PACKAGE_NAME_LABEL,
  PACKAGE_VERSION_LABEL,
  renderPackage,
  resolveOptions,
  type SandboxContext,
} from '../../src/packages/render.js';
import { builtinPackagesDir, findPackage, listPackages } from '../../src/packages/repository.js';

const DIR = '/repo/pkgs/demo';
const sandbox: SandboxContext = {
  zookeeper: 'zk://127.0.0.1:2181',
  zookeeperHosts: '127.0.0.1:2181',
  mesos: 'zk://127.0.0.1:2181/mesos',
  marathon: 'http://127.1.4.1:8080',
  packageDir: DIR,
};

const metadata = {
  packagingVersion: '3.0',
  name: 'demo',
  version: '1.2.3',
  description: 'a demo',
  maintainer: 'me@example.com',
  tags: ['demo'],
  postInstallNotes: 'done',
};
const config = {
  type: 'object',
  properties: {
    app: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'string', default: 'demo' },
        cpus: { type: 'number', default: 0.5, minimum: 0.1 },
        debug: { type: 'boolean', default: false },
      },
    },
  },
};
const marathonTemplate = `{
  "id": "{{app.id}}", "cpus": {{app.cpus}}, "cmd": "run{{#app.debug}} --debug{{/app.debug}}",
  "zk": "{{sandbox.zookeeperHosts}}", "uris": ["{{resource.assets.uris.tool}}"],
  "fetch": [{"uri": "{{resource.assets.uris.tool}}"}, {"uri": "{{resource.assets.uris.data}}"}],
  "labels": {"OWN": "x"}
}`;

function files(overrides: PackageFiles = {}): PackageFiles {
  return {
    'package.json': JSON.stringify(metadata),
    'config.json': JSON.stringify(config),
    'marathon.json.mustache': marathonTemplate,
    'resource.json': JSON.stringify({
      assets: { uris: { tool: 'bin/tool.sh', data: 'https://example.org/d.tgz' } },
    }),
    ...overrides,
  };
}

describe('parsePackage', () => {
  it('reads the Universe files; relative artifact paths become file:// URIs in the package', () => {
    const pkg = parsePackage(DIR, files());
    expect(pkg.metadata).toEqual(metadata);
    expect(pkg.template).toMatchObject({ kind: 'marathon', file: 'marathon.json.mustache' });
    expect(pkg.resource.assets?.uris).toEqual({
      tool: 'file:///repo/pkgs/demo/bin/tool.sh',
      data: 'https://example.org/d.tgz',
    });
  });

  it('takes a Chronos template, and an absent config.json as no options', () => {
    const pkg = parsePackage(DIR, {
      'package.json': JSON.stringify(metadata),
      'chronos.json.mustache': '{"name": "j"}',
    });
    expect(pkg.template.kind).toBe('chronos');
    expect(resolveOptions(pkg)).toEqual({});
  });

  it('names the file and the fields that are wrong', () => {
    const bad = { ...metadata, name: 'Other', version: 3, tags: 'x', framework: 'yes' };
    expect(() => parsePackage(DIR, files({ 'package.json': JSON.stringify(bad) }))).toThrow(
      new PackageError(
        `${DIR}/package.json: version: a non-empty string is required; name: 'Other' must be lower case letters, digits and '-'; ` +
          'tags: an array of strings is required; framework: must be a boolean',
      ),
    );
    expect(() =>
      parsePackage(DIR, files({ 'package.json': JSON.stringify({ ...metadata, name: 'other' }) })),
    ).toThrow("name: 'other' differs from its directory's name 'demo'");
    expect(() => parsePackage(DIR, files({ 'package.json': '{' }))).toThrow(
      `${DIR}/package.json: not valid JSON`,
    );
    expect(() => parsePackage(DIR, files({ 'package.json': undefined }))).toThrow(
      `${DIR}/package.json: missing`,
    );
    expect(() =>
      parsePackage(
        DIR,
        files({ 'config.json': '{"type": "object", "properties": {"a": {"type": "nope"}}}' }),
      ),
    ).toThrow(`${DIR}/config.json: properties.a: unknown type "nope"`);
    expect(() => parsePackage(DIR, files({ 'config.json': '{"type": "string"}' }))).toThrow(
      'the options schema must describe an object',
    );
    expect(() => parsePackage(DIR, files({ 'marathon.json.mustache': '{{#a}}' }))).toThrow(
      `${DIR}/marathon.json.mustache: line 1: section 'a' is never closed`,
    );
    expect(() => parsePackage(DIR, files({ 'marathon.json.mustache': undefined }))).toThrow(
      'marathon.json.mustache or chronos.json.mustache: missing: a package needs one template',
    );
    expect(() => parsePackage(DIR, files({ 'chronos.json.mustache': '{}' }))).toThrow(
      'a package has one template, not both',
    );
    expect(() => parsePackage(DIR, files({ 'resource.json': '{"assets": {"uris": {"a": 3}}}' }))).toThrow(
      `${DIR}/resource.json: assets.uris.a: must be a non-empty string`,
    );
  });
});

describe('resolveOptions', () => {
  const pkg = parsePackage(DIR, files());

  it('merges the user options over the defaults', () => {
    expect(resolveOptions(pkg, { app: { cpus: 2 } })).toEqual({ app: { id: 'demo', cpus: 2, debug: false } });
  });

  it('lists every schema problem', () => {
    const err = (() => {
      try {
        resolveOptions(pkg, { app: { cpus: 0, colour: 'red' } });
      } catch (e) {
        return e as OptionsError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(OptionsError);
    expect(err.problems).toEqual([
      'app.cpus: 0 is less than the minimum 0.1',
      'app.colour: is not an option of this package',
    ]);
    expect(err.message).toBe(
      "invalid options for package 'demo':\n  app.cpus: 0 is less than the minimum 0.1\n  app.colour: is not an option of this package",
    );
    expect(() => resolveOptions(pkg, [1])).toThrow('the options must be a JSON object');
  });
});

describe('renderPackage', () => {
  const pkg = parsePackage(DIR, files());

  it('renders a Marathon app with the options, resource and sandbox, labelled with the package', () => {
    const rendered = renderPackage(pkg, resolveOptions(pkg, { app: { debug: true } }), sandbox);
    expect(rendered.kind).toBe('marathon-app');
    expect(rendered.id).toBe('/demo');
    expect(rendered.definition).toMatchObject({
      id: 'demo',
      cpus: 0.5,
      cmd: 'run --debug',
      zk: '127.0.0.1:2181',
      labels: { OWN: 'x', [PACKAGE_NAME_LABEL]: 'demo', [PACKAGE_VERSION_LABEL]: '1.2.3' },
    });
    expect(rendered.artifacts).toEqual(['file:///repo/pkgs/demo/bin/tool.sh', 'https://example.org/d.tgz']);
  });

  it('renders a group, labelling every app (nested too) with the group to delete', () => {
    const group = parsePackage(
      DIR,
      files({
        'marathon.json.mustache':
          '{"id": "/g", "apps": [{"id": "/g/a", "cmd": "a"}], "groups": [{"id": "/g/sub", "apps": [{"id": "/g/sub/b", "cmd": "b", "uris": ["{{resource.assets.uris.data}}"]}]}]}',
      }),
    );
    const rendered = renderPackage(group, resolveOptions(group), sandbox);
    expect(rendered.kind).toBe('marathon-group');
    expect(rendered.id).toBe('/g');
    const def = rendered.definition as {
      apps: Array<{ labels: object }>;
      groups: Array<{ apps: Array<{ labels: object }> }>;
    };
    const labels = {
      [PACKAGE_NAME_LABEL]: 'demo',
      [PACKAGE_VERSION_LABEL]: '1.2.3',
      [PACKAGE_GROUP_LABEL]: '/g',
    };
    expect(def.apps[0]!.labels).toEqual(labels);
    expect(def.groups[0]!.apps[0]!.labels).toEqual(labels);
    expect(rendered.artifacts).toEqual(['https://example.org/d.tgz']);
  });

  it('renders a Chronos job, marking it with an environment variable (jobs have no labels)', () => {
    const job = parsePackage(DIR, {
      'package.json': JSON.stringify(metadata),
      'chronos.json.mustache':
        '{"name": "report", "command": "x", "schedule": "R//PT1H", "environmentVariables": [{"name": "A", "value": "1"}]}',
    });
    const rendered = renderPackage(job, {}, sandbox);
    expect(rendered).toMatchObject({ kind: 'chronos-job', id: 'report', artifacts: [] });
    expect(rendered.definition.environmentVariables).toEqual([
      { name: 'A', value: '1' },
      { name: PACKAGE_NAME_LABEL, value: 'demo' },
    ]);
  });

  it('says which names had no value when the result is not JSON', () => {
    const broken = parsePackage(DIR, files({ 'marathon.json.mustache': '{"id": "x", "cpus": {{app.cpu}}}' }));
    expect(() => renderPackage(broken, resolveOptions(broken), sandbox)).toThrow(
      /marathon.json.mustache did not render to valid JSON: .* \(these names had no value: app.cpu\)$/,
    );
    const noId = parsePackage(DIR, files({ 'marathon.json.mustache': '{"cmd": "x"}' }));
    expect(() => renderPackage(noId, {}, sandbox)).toThrow('the app or group has no "id"');
  });
});

describe('the packages in fixtures/packages', () => {
  const names = ['batch-report', 'cassandra', 'kafka', 'redis', 'spark', 'stream-ingest', 'zookeeper'];

  it('all load', () => {
    const listing = listPackages([builtinPackagesDir()!]);
    expect(listing.broken).toEqual([]);
    expect(listing.packages.map((p) => p.metadata.name)).toEqual(names);
  });

  it.each(names)('%s renders with its defaults into a definition of its kind', (name) => {
    const pkg = findPackage(name, [builtinPackagesDir()!]);
    const rendered = renderPackage(pkg, resolveOptions(pkg), { ...sandbox, packageDir: pkg.dir });
    if (rendered.kind === 'chronos-job') {
      expect(rendered.definition).toMatchObject({ name, schedule: expect.stringMatching(/^R\d*\//) });
    } else {
      const apps =
        rendered.kind === 'marathon-group'
          ? (rendered.definition.apps as Array<Record<string, unknown>>)
          : [rendered.definition];
      for (const app of apps) {
        expect(app).toMatchObject({
          cpus: expect.any(Number),
          mem: expect.any(Number),
          cmd: expect.any(String),
        });
        expect(app.healthChecks).toHaveLength(1);
      }
    }
    for (const uri of rendered.artifacts)
      expect(uri).toMatch(/^(https:\/\/archive\.apache\.org\/|file:\/\/\/)/);
  });

  it('kafka, cassandra and spark fetch their artifacts from the Apache archive', () => {
    for (const name of ['kafka', 'cassandra', 'spark']) {
      const pkg = findPackage(name, [builtinPackagesDir()!]);
      const rendered = renderPackage(pkg, resolveOptions(pkg), sandbox);
      expect(rendered.artifacts).toEqual([
        expect.stringMatching(/^https:\/\/archive\.apache\.org\/dist\/.*\.t(ar\.)?gz$/),
      ]);
    }
  });

  it('an unknown package names the known ones', () => {
    expect(() => findPackage('nope', [builtinPackagesDir()!])).toThrow(
      `unknown package 'nope' (known packages: ${names.join(', ')})`,
    );
  });
});
