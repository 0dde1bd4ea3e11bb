import { describe, expect, it } from 'vitest';
import {
  matchOffer,
  type MatchResult,
  type OfferMatch,
} from '../../src/marathon/scheduling/offer-matcher.js';
import { offerPlacement } from '../../src/marathon/scheduling/constraints.js';
import type { AppDefinition } from '../../src/marathon/model/types.js';
import { parseResources, subtractResources } from '../../src/mesos/protocol/resources.js';
import type { Offer, Resource } from '../../src/mesos/protocol/types.js';
import { makeApp } from './fixtures/marathon-app.js';

function app(overrides: Partial<AppDefinition> = {}): AppDefinition {
  return makeApp('/web', { portDefinitions: [], role: 'marathon', ...overrides });
}

function offer(resources: Resource[] | string, extra: Partial<Offer> = {}): Offer {
  return {
    id: { value: 'offer-1' },
    framework_id: { value: 'fw' },
    agent_id: { value: 'agent-1' },
    hostname: 'host-1',
    resources: typeof resources === 'string' ? parseResources(resources) : resources,
    ...extra,
  };
}

function matched(result: MatchResult): OfferMatch {
  if (!result.ok) throw new Error(`expected a match, got ${result.reasons.join(', ')}`);
  return result.match;
}

function reasons(result: MatchResult): string[] {
  return result.ok ? [] : result.reasons;
}

const twoPorts = [
  { port: 10000, protocol: 'tcp' as const, name: 'http' },
  { port: 10001, protocol: 'tcp' as const },
];

describe('matchOffer: scalars', () => {
  it('takes exactly what the app needs and the lowest free ports', () => {
    const o = offer('cpus:4;mem:1024;disk:1000;ports:[31000-31999]');
    const m = matched(
      matchOffer(app({ cpus: 0.5, disk: 10, portDefinitions: twoPorts }), o, o.resources, []),
    );
    expect(m.hostPorts).toEqual([31000, 31001]);
    expect(m.resources).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 128 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 10 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } },
    ]);
  });

  it('names each insufficient resource', () => {
    const o = offer('cpus:1;mem:128;disk:10;gpus:1');
    expect(reasons(matchOffer(app({ cpus: 2 }), o, o.resources, []))).toEqual(['InsufficientCpus']);
    expect(reasons(matchOffer(app({ mem: 256 }), o, o.resources, []))).toEqual(['InsufficientMemory']);
    expect(reasons(matchOffer(app({ disk: 11 }), o, o.resources, []))).toEqual(['InsufficientDisk']);
    expect(reasons(matchOffer(app({ gpus: 2 }), o, o.resources, []))).toEqual(['InsufficientGpus']);
    expect(reasons(matchOffer(app({ cpus: 2, mem: 256, disk: 11, gpus: 2 }), o, o.resources, []))).toEqual([
      'InsufficientCpus',
      'InsufficientMemory',
      'InsufficientGpus',
      'InsufficientDisk',
    ]);
  });

  it('does not look for resources the app asks none of', () => {
    const o = offer('cpus:1;mem:128');
    const m = matched(matchOffer(app({ disk: 0, gpus: 0 }), o, o.resources, []));
    expect(m.resources.map((r) => r.name)).toEqual(['cpus', 'mem']);
    expect(m.hostPorts).toEqual([]);
  });

  it('does not use disk with a source (path or mount disks) as scratch disk', () => {
    const mountDisk: Resource = {
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: 1000 },
      disk: { source: { type: 'MOUNT', mount: { root: '/mnt/a' } } },
    };
    const o = offer([...parseResources('cpus:1;mem:128'), mountDisk]);
    expect(reasons(matchOffer(app({ disk: 10 }), o, o.resources, []))).toEqual(['InsufficientDisk']);
  });
});

describe('matchOffer: ports', () => {
  it('takes the lowest ports across several ranges', () => {
    const o = offer('cpus:1;mem:128;ports:[31005-31005,31000-31001]');
    const m = matched(
      matchOffer(
        app({ portDefinitions: [...twoPorts, { port: 10002, protocol: 'tcp' }] }),
        o,
        o.resources,
        [],
      ),
    );
    expect(m.hostPorts).toEqual([31000, 31001, 31005]);
    expect(m.resources.find((r) => r.name === 'ports')?.ranges?.range).toEqual([
      { begin: 31000, end: 31001 },
      { begin: 31005, end: 31005 },
    ]);
  });

  it('reports InsufficientPorts only once everything else fits', () => {
    const o = offer('cpus:1;mem:128;ports:[31000-31000]');
    expect(reasons(matchOffer(app({ portDefinitions: twoPorts }), o, o.resources, []))).toEqual([
      'InsufficientPorts',
    ]);
    expect(reasons(matchOffer(app({ cpus: 2, portDefinitions: twoPorts }), o, o.resources, []))).toEqual([
      'InsufficientCpus',
    ]);
  });

  it('with requirePorts, needs the declared ports themselves', () => {
    const a = app({ requirePorts: true, portDefinitions: twoPorts });
    const far = offer('cpus:1;mem:128;ports:[31000-31999]');
    expect(reasons(matchOffer(a, far, far.resources, []))).toEqual(['InsufficientPorts']);
    const near = offer('cpus:1;mem:128;ports:[9000-10005]');
    const m = matched(matchOffer(a, near, near.resources, []));
    expect(m.hostPorts).toEqual([10000, 10001]);
    expect(m.resources.find((r) => r.name === 'ports')?.ranges?.range).toEqual([
      { begin: 10000, end: 10001 },
    ]);
  });

  it('gives bridge mappings with hostPort 0 any port, fixed host ports themselves, and others none', () => {
    const a = app({
      networks: [{ mode: 'container/bridge' }],
      portDefinitions: undefined,
      container: {
        type: 'DOCKER',
        docker: { image: 'nginx', forcePullImage: false, privileged: false, parameters: [] },
        volumes: [],
        portMappings: [
          { containerPort: 80, hostPort: 0, servicePort: 10000, protocol: 'tcp' },
          { containerPort: 443, hostPort: 31005, servicePort: 10001, protocol: 'tcp' },
          { containerPort: 9000, servicePort: 10002, protocol: 'tcp' },
        ],
      },
    });
    const o = offer('cpus:1;mem:128;ports:[31005-31006]');
    const m = matched(matchOffer(a, o, o.resources, []));
    // The dynamic port skips 31005, which the second mapping needs.
    expect(m.hostPorts).toEqual([31006, 31005]);
    expect(m.resources.find((r) => r.name === 'ports')?.ranges?.range).toEqual([
      { begin: 31005, end: 31006 },
    ]);

    const without = offer('cpus:1;mem:128;ports:[31000-31004]');
    expect(reasons(matchOffer(a, without, without.resources, []))).toEqual(['InsufficientPorts']);
  });
});

describe('matchOffer: roles and reservations', () => {
  const mixed = (): Offer =>
    offer(
      [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'marathon' } },
        {
          name: 'cpus',
          type: 'SCALAR',
          scalar: { value: 2 },
          reservations: [{ type: 'STATIC', role: 'marathon' }],
          allocation_info: { role: 'marathon' },
        },
        { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: 'marathon' },
        {
          name: 'ports',
          type: 'RANGES',
          ranges: { range: [{ begin: 31000, end: 31009 }] },
          reservations: [{ type: 'STATIC', role: 'marathon' }],
        },
      ],
      { allocation_info: { role: 'marathon' } },
    );

  it('by default uses unreserved resources and those reserved for the app role, keeping their identity', () => {
    const o = mixed();
    const m = matched(matchOffer(app({ cpus: 2.5, portDefinitions: twoPorts }), o, o.resources, []));
    expect(m.resources).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'marathon' } },
      {
        name: 'cpus',
        type: 'SCALAR',
        scalar: { value: 1.5 },
        reservations: [{ type: 'STATIC', role: 'marathon' }],
        allocation_info: { role: 'marathon' },
      },
      // Resources without allocation_info get the offer's, as a MULTI_ROLE framework must send.
      {
        name: 'mem',
        type: 'SCALAR',
        scalar: { value: 128 },
        role: 'marathon',
        allocation_info: { role: 'marathon' },
      },
      {
        name: 'ports',
        type: 'RANGES',
        ranges: { range: [{ begin: 31000, end: 31001 }] },
        reservations: [{ type: 'STATIC', role: 'marathon' }],
        allocation_info: { role: 'marathon' },
      },
    ]);
  });

  it("with acceptedResourceRoles ['*'] uses only unreserved resources", () => {
    const o = mixed();
    const a = app({ cpus: 1, acceptedResourceRoles: ['*'] });
    expect(reasons(matchOffer(a, o, o.resources, []))).toEqual(['InsufficientMemory']);
    expect(reasons(matchOffer({ ...a, cpus: 1.5 }, o, o.resources, []))).toEqual([
      'InsufficientCpus',
      'InsufficientMemory',
    ]);
  });

  it('reports UnfulfilledRole when no offered resource has an accepted role', () => {
    const o = offer('cpus(other):4;mem(other):1024');
    expect(reasons(matchOffer(app(), o, o.resources, []))).toEqual([
      'InsufficientCpus',
      'InsufficientMemory',
      'UnfulfilledRole',
    ]);
    expect(reasons(matchOffer(app({ acceptedResourceRoles: ['other'] }), o, o.resources, []))).toEqual([]);
  });

  it('leaves reservations made for resident instances alone', () => {
    const resident: Resource = {
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 4 },
      role: 'marathon',
      reservation: { principal: 'p', labels: { labels: [{ key: 'marathon_task_id', value: 't' }] } },
    };
    const o = offer([resident, ...parseResources('mem:128')]);
    expect(reasons(matchOffer(app(), o, o.resources, []))).toEqual(['InsufficientCpus']);
  });
});

describe('matchOffer: constraints and several matches per offer', () => {
  it('rejects an agent the constraints rule out', () => {
    const o = offer('cpus:4;mem:1024');
    const a = app({ constraints: [['hostname', 'UNIQUE']] });
    expect(matchOffer(a, o, o.resources, []).ok).toBe(true);
    expect(reasons(matchOffer(a, o, o.resources, [offerPlacement(o)]))).toEqual(['UnfulfilledConstraint']);
  });

  it('fits two instances into one offer when the caller subtracts the first match', () => {
    const o = offer('cpus:2.5;mem:300;ports:[31000-31003]', { allocation_info: { role: '*' } });
    const a = app({ portDefinitions: twoPorts });
    const first = matched(matchOffer(a, o, o.resources, []));
    let remaining = subtractResources(o.resources, first.resources);
    const second = matched(matchOffer(a, o, remaining, [offerPlacement(o)]));
    expect([first.hostPorts, second.hostPorts]).toEqual([
      [31000, 31001],
      [31002, 31003],
    ]);
    remaining = subtractResources(remaining, second.resources);
    expect(reasons(matchOffer(a, o, remaining, []))).toEqual(['InsufficientCpus', 'InsufficientMemory']);
  });
});
