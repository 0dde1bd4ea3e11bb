import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../src/cluster/drivers/driver.js';
import type { ClusterInfo } from '../../src/cluster/lifecycle.js';
import { ClusterEndpoints, nodeEndpoints, parsePort } from '../../src/testing/testcontainers/endpoints.js';

// Two masters (master-2 leads), two agents, Marathon, no Chronos: as the Docker driver lists them.
const statuses: NodeStatus[] = [
  {
    id: 'zookeeper-1',
    role: 'zookeeper',
    state: 'running',
    address: '127.0.0.1:40001',
    internalAddress: '172.18.0.2:2181',
  },
  {
    id: 'master-1',
    role: 'master',
    state: 'running',
    address: '127.0.0.1:40002',
    internalAddress: '172.18.0.3:5050',
  },
  {
    id: 'master-2',
    role: 'master',
    state: 'running',
    address: '127.0.0.1:40003',
    internalAddress: '172.18.0.4:5050',
  },
  {
    id: 'agent-1',
    role: 'agent',
    state: 'running',
    address: '127.0.0.1:40004',
    internalAddress: '172.18.0.5:5051',
  },
  {
    id: 'agent-2',
    role: 'agent',
    state: 'stopped',
    address: '127.0.0.1:40005',
    internalAddress: 'agent-2:5051',
  },
  {
    id: 'marathon-1',
    role: 'marathon',
    state: 'running',
    address: '127.0.0.1:40006',
    internalAddress: '172.18.0.7:8080',
  },
];

const info: ClusterInfo = {
  name: 'tc',
  driver: 'docker',
  zookeeper: 'zk://127.0.0.1:40001',
  mesos: 'zk://127.0.0.1:40001/mesos',
  master: 'http://127.0.0.1:40003',
  marathon: 'http://127.0.0.1:40006',
  nodes: [],
};

const endpoints = (i: ClusterInfo = info): ClusterEndpoints =>
  new ClusterEndpoints(i, nodeEndpoints(statuses));

describe('nodeEndpoints', () => {
  it('gives each node its alias and container port on the network and its published host port', () => {
    expect(nodeEndpoints(statuses)[1]).toEqual({
      id: 'master-1',
      role: 'master',
      alias: 'master-1',
      containerPort: 5050,
      host: '127.0.0.1',
      mappedPort: 40002,
    });
    expect(nodeEndpoints(statuses)[4]).toMatchObject({ alias: 'agent-2', containerPort: 5051 });
  });

  it('refuses an address without a port', () => {
    expect(() => nodeEndpoints([{ ...statuses[0]!, address: '127.0.0.1' }])).toThrow(/host:port/);
  });
});

describe('parsePort', () => {
  it('reads testcontainers port forms and leaves node ids alone', () => {
    expect(parsePort(5050)).toBe(5050);
    expect(parsePort('8080/tcp')).toBe(8080);
    expect(parsePort('master-1')).toBeNull();
    expect(() => parsePort('2181/udp')).toThrow(/tcp ports only/);
  });
});

describe('ClusterEndpoints', () => {
  it('maps a container port to the leading master, else the first node listening on it', () => {
    const e = endpoints();
    expect(e.host).toBe('127.0.0.1');
    expect(e.mappedPort(5050)).toBe(40003);
    expect(e.mappedPort(5051)).toBe(40004);
    expect(e.mappedPort(2181)).toBe(40001);
    expect(e.mappedPort(8080)).toBe(40006);
    expect(() => e.mappedPort(4400)).toThrow(/listens on port 4400 \(ports: 2181, 5050, 5051, 8080\)/);
  });

  it('falls back to the first master for the port when no master leads, but gives no Mesos URL', () => {
    const leaderless: ClusterInfo = { ...info };
    delete leaderless.master;
    const e = endpoints(leaderless);
    expect(e.mappedPort(5050)).toBe(40002);
    expect(() => e.url('master')).toThrow(/no leading master right now/);
  });

  it("maps a node's own port, checking the container port when given", () => {
    const e = endpoints();
    expect(e.nodeMappedPort('agent-2')).toBe(40005);
    expect(e.nodeMappedPort('agent-2', 5051)).toBe(40005);
    expect(() => e.nodeMappedPort('agent-2', 5050)).toThrow(/listens on port 5051, not 5050/);
    expect(() => e.nodeMappedPort('agent-9')).toThrow(/no node 'agent-9' \(nodes: zookeeper-1, master-1/);
  });

  it('gives host URLs on published ports and internal URLs by alias and container port', () => {
    const e = endpoints();
    expect(e.url('master')).toBe('http://127.0.0.1:40003');
    expect(e.internalUrl('master')).toBe('http://master-2:5050');
    expect(e.url('marathon')).toBe('http://127.0.0.1:40006');
    expect(e.internalUrl('marathon')).toBe('http://marathon-1:8080');
    expect(() => e.url('chronos')).toThrow(/runs no Chronos/);
  });

  it('follows the leader the endpoints document names', () => {
    expect(endpoints({ ...info, master: 'http://127.0.0.1:40002' }).internalUrl('master')).toBe(
      'http://master-1:5050',
    );
  });

  it('gives ZooKeeper connect strings and the masters zk:// URL for both sides', () => {
    const three = new ClusterEndpoints(
      { ...info, mesos: 'zk://127.0.0.1:40001,127.0.0.1:40011/mesos' },
      nodeEndpoints([
        ...statuses,
        {
          id: 'zookeeper-2',
          role: 'zookeeper',
          state: 'running',
          address: '127.0.0.1:40011',
          internalAddress: '172.18.0.9:2181',
        },
      ]),
    );
    expect(three.zookeeperConnectString()).toBe('127.0.0.1:40001,127.0.0.1:40011');
    expect(three.internalZookeeperConnectString()).toBe('zookeeper-1:2181,zookeeper-2:2181');
    expect(three.mesosZkUrl()).toBe('zk://127.0.0.1:40001,127.0.0.1:40011/mesos');
    expect(three.mesosInternalZkUrl()).toBe('zk://zookeeper-1:2181,zookeeper-2:2181/mesos');
  });
});
