import { describe, expect, it } from 'vitest';
import { specForOptions } from '../../src/testing/options.js';
import { startOptionsFor } from '../../src/testing/testcontainers/options.js';
import {
  canonicalEndpoint,
  dockerHostMismatch,
  modemEndpoint,
} from '../../src/testing/testcontainers/docker-endpoint.js';

const name = (): string => 'test-fixed';

describe('startOptionsFor', () => {
  it('always boots on the Docker driver, with the builder fields as `sandbox up` flags', () => {
    const spec = specForOptions(
      startOptionsFor({
        name: 'tc',
        agents: 2,
        masters: 1,
        marathon: true,
        chronos: false,
        agentResources: 'cpus:1;mem:512',
      }),
      null,
      name,
    );
    expect(spec).toMatchObject({
      name: 'tc',
      driver: 'docker',
      masters: 1,
      marathon: { enabled: true },
      chronos: { enabled: false },
    });
    expect(spec.agents).toEqual([{ count: 2, resources: 'cpus:1;mem:512', attributes: '' }]);
  });

  it('turns the startup timeout in ms into each node readiness timeout, over `wait`', () => {
    const spec = specForOptions(startOptionsFor({ wait: '2m', startupTimeoutMs: 45_500 }), null, name);
    expect(spec.readyTimeoutMs).toBe(45_500);
    expect(specForOptions(startOptionsFor({ wait: '2m' }), null, name).readyTimeoutMs).toBe(120_000);
  });

  it('refuses a startup timeout that is not a positive number', () => {
    expect(() => startOptionsFor({ startupTimeoutMs: 0 })).toThrow(/positive number of ms/);
    expect(() => startOptionsFor({ startupTimeoutMs: Number.NaN })).toThrow(/positive number of ms/);
  });

  it('passes the start hooks through and keeps its own switch out of them', () => {
    const onStep = (): void => {};
    const start = startOptionsFor({ onStep, retain: true, checkDockerHost: false });
    expect(start).toEqual({ onStep, retain: true, driver: 'docker' });
  });
});

describe('modemEndpoint', () => {
  it('names a unix socket and a Windows pipe', () => {
    expect(modemEndpoint({ socketPath: '/var/run/docker.sock' })).toBe('unix:///var/run/docker.sock');
    expect(modemEndpoint({ socketPath: '//./pipe/docker_engine' })).toBe('npipe:////./pipe/docker_engine');
  });

  it('names tcp (http or https) and ssh daemons by host and port', () => {
    expect(modemEndpoint({ host: 'dind', port: '2375', protocol: 'http' })).toBe('tcp://dind:2375');
    expect(modemEndpoint({ host: 'dind', port: 2376, protocol: 'https' })).toBe('tcp://dind:2376');
    expect(modemEndpoint({ host: 'vm', protocol: 'ssh' })).toBe('ssh://vm:22');
    expect(modemEndpoint({ host: 'dind', port: '', protocol: 'http' })).toBe('tcp://dind:2375');
  });
});

describe('dockerHostMismatch', () => {
  it('is null for the same daemon', () => {
    expect(dockerHostMismatch('unix:///var/run/docker.sock', 'unix:///var/run/docker.sock')).toBeNull();
  });

  it('says which DOCKER_HOST makes both use the daemon testcontainers uses', () => {
    const why = dockerHostMismatch('unix:///run/user/1000/docker.sock', 'unix:///var/run/docker.sock');
    expect(why).toContain('set DOCKER_HOST=unix:///run/user/1000/docker.sock');
    expect(why).toContain('unix:///var/run/docker.sock');
  });
});

describe('canonicalEndpoint', () => {
  const links: Record<string, string> = { '/home/u/.docker/run/docker.sock': '/var/run/docker.sock' };
  const realpath = (path: string): string => {
    if (path === '/gone.sock') throw new Error('ENOENT');
    return links[path] ?? path;
  };

  it('resolves a unix socket through its symlinks, so one daemon has one name', () => {
    expect(canonicalEndpoint('unix:///home/u/.docker/run/docker.sock', realpath)).toBe(
      'unix:///var/run/docker.sock',
    );
  });

  it('leaves a socket it cannot resolve and a network endpoint as they are', () => {
    expect(canonicalEndpoint('unix:///gone.sock', realpath)).toBe('unix:///gone.sock');
    expect(canonicalEndpoint('tcp://dind:2375', realpath)).toBe('tcp://dind:2375');
  });
});
