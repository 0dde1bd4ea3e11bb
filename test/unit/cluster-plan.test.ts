import { describe, expect, it } from 'vitest';
import { planNodes, type NodeAddressing } from '../../src/cluster/plan.js';
import { defaultClusterSpec, type ClusterSpec, type Role } from '../../src/cluster/spec.js';

const byName: NodeAddressing = { hostOf: (id) => id, agentPorts: () => '[31000-32000]' };
const all = new Set<Role>(['zookeeper', 'master', 'agent', 'marathon', 'chronos']);

describe('planNodes', () => {
  it('plans an HA cluster: a ZooKeeper ensemble, masters with a quorum, agents in groups', () => {
    const spec: ClusterSpec = {
      ...defaultClusterSpec(),
      name: 'ha',
      zookeepers: 3,
      masters: 3,
      agents: [
        { count: 2, resources: 'cpus:4;mem:4096', attributes: 'rack:a' },
        { count: 1, resources: 'cpus:1;mem:512;ports:[9000-9009]', attributes: '' },
      ],
      masterFlags: { allocation_interval: '100ms' },
      marathon: { enabled: false, flags: {} },
      chronos: { enabled: false, flags: {} },
    };
    const nodes = planNodes(spec, byName, all);
    expect(nodes.map((n) => n.id)).toEqual([
      'zookeeper-1',
      'zookeeper-2',
      'zookeeper-3',
      'master-1',
      'master-2',
      'master-3',
      'agent-1',
      'agent-2',
      'agent-3',
    ]);
    expect(nodes[1]!.flags).toEqual([
      '--log_level=info',
      '--server_id=2',
      '--peers=1@zookeeper-1:2888:3888,2@zookeeper-2:2888:3888,3@zookeeper-3:2888:3888',
    ]);
    const zk = 'zk://zookeeper-1:2181,zookeeper-2:2181,zookeeper-3:2181';
    expect(nodes[3]!.flags).toEqual([
      `--zk=${zk}/mesos`,
      '--quorum=2',
      '--cluster=ha',
      '--log_level=info',
      '--allocation_interval=100ms',
    ]);
    expect(nodes[7]!.flags).toContain('--attributes=rack:a');
    // A group that names its own ports keeps them.
    expect(nodes[8]!.flags).toContain('--resources=cpus:1;mem:512;ports:[9000-9009]');
    expect(nodes[8]!.flags.some((f) => f.startsWith('--attributes'))).toBe(false);
  });

  it('leaves out Marathon and Chronos when disabled or not implemented yet', () => {
    const spec = defaultClusterSpec();
    expect(planNodes(spec, byName, all).map((n) => n.id)).toContain('marathon-1');
    expect(
      planNodes(spec, byName, new Set<Role>(['zookeeper', 'master', 'agent'])).map((n) => n.id),
    ).not.toContain('marathon-1');
    const without = { ...spec, chronos: { enabled: false, flags: {} } };
    expect(planNodes(without, byName, all).map((n) => n.id)).not.toContain('chronos-1');
    const marathon = planNodes(spec, byName, all).find((n) => n.role === 'marathon')!;
    expect(marathon.flags).toEqual([
      '--master=zk://zookeeper-1:2181/mesos',
      '--zk=zk://zookeeper-1:2181/marathon',
      '--log_level=info',
    ]);
  });

  it('plans several Marathon instances on one ZooKeeper path for HA', () => {
    const spec = { ...defaultClusterSpec(), marathon: { enabled: true, count: 2, flags: {} } };
    const marathons = planNodes(spec, byName, all).filter((n) => n.role === 'marathon');
    expect(marathons.map((n) => n.id)).toEqual(['marathon-1', 'marathon-2']);
    expect(new Set(marathons.map((n) => n.flags.find((f) => f.startsWith('--zk='))))).toEqual(
      new Set(['--zk=zk://zookeeper-1:2181/marathon']),
    );
  });
});
