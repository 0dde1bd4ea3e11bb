import { describe, expect, it } from 'vitest';
import { ConfigError, parseClusterConfig } from '../../src/cluster/config.js';
import { defaultClusterSpec } from '../../src/cluster/spec.js';
import { freshClusterName, specForOptions } from '../../src/testing/options.js';

const name = (): string => 'test-fixed';

describe('specForOptions', () => {
  it('is the `sandbox up` default spec under a fresh name when no option is given', () => {
    expect(specForOptions({}, null, name)).toEqual({ ...defaultClusterSpec(), name: 'test-fixed' });
  });

  it('makes fresh names that are valid cluster names and differ', () => {
    const a = freshClusterName();
    expect(a).toMatch(/^test-[0-9a-f]{8}$/);
    expect(freshClusterName()).not.toBe(a);
  });

  it('applies the option fields as `sandbox up` flags', () => {
    const spec = specForOptions(
      { name: 'it', driver: 'docker', agents: 2, masters: 3, marathon: false, chronos: false, wait: '2m' },
      null,
      name,
    );
    expect(spec).toMatchObject({
      name: 'it',
      driver: 'docker',
      masters: 3,
      marathon: { enabled: false },
      chronos: { enabled: false },
      readyTimeoutMs: 120_000,
    });
    expect(spec.agents).toEqual([{ ...defaultClusterSpec().agents[0], count: 2 }]);
  });

  it('layers file < spec overrides < option fields', () => {
    const file = parseClusterConfig(
      'apiVersion: sandbox/v1alpha1\nkind: Cluster\nname: from-file\nmasters:\n  count: 3\nagents:\n  - count: 4\n    attributes: rack:a\n',
      'dev.yaml',
    );
    const spec = specForOptions(
      { agents: 1, spec: { masters: 2, masterFlags: { offer_timeout: '5secs' } } },
      file,
      name,
    );
    expect(spec.name).toBe('from-file');
    expect(spec.masters).toBe(2);
    expect(spec.masterFlags).toEqual({ offer_timeout: '5secs' });
    // --agents keeps the first group's resources and attributes.
    expect(spec.agents).toEqual([
      { count: 1, resources: defaultClusterSpec().agents[0]!.resources, attributes: 'rack:a' },
    ]);
  });

  it('takes the spec override name over a fresh one, and the option name over both', () => {
    expect(specForOptions({ spec: { name: 'from-spec' } }, null, name).name).toBe('from-spec');
    expect(specForOptions({ name: 'opt', spec: { name: 'from-spec' } }, null, name).name).toBe('opt');
  });

  it('refuses bad values with the config module errors', () => {
    expect(() => specForOptions({ name: 'Bad_Name' }, null, name)).toThrow(ConfigError);
    expect(() => specForOptions({ masters: 9 }, null, name)).toThrow(/--masters/);
    expect(() => specForOptions({ wait: 'soon' }, null, name)).toThrow(/--wait/);
  });
});
