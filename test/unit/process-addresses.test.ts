import { describe, expect, it } from 'vitest';
import {
  AGENT_PORTS_FIRST,
  chooseAgentPorts,
  chooseSlot,
  loopbackAddress,
  processAddressing,
} from '../../src/cluster/drivers/process/addresses.js';
import { planNodes } from '../../src/cluster/plan.js';
import { defaultClusterSpec } from '../../src/cluster/spec.js';

describe('process driver addresses', () => {
  it('gives every node its own loopback address by cluster slot, role and index', () => {
    expect(loopbackAddress(1, 'master', 1)).toBe('127.1.1.1');
    expect(loopbackAddress(1, 'agent', 3)).toBe('127.1.2.3');
    expect(loopbackAddress(7, 'zookeeper', 2)).toBe('127.7.3.2');
    expect(loopbackAddress(2, 'marathon', 1)).not.toBe(loopbackAddress(2, 'chronos', 1));
  });

  it('takes the lowest free slot and none when all are used', () => {
    expect(chooseSlot(new Set())).toBe(1);
    expect(chooseSlot(new Set([1, 2, 4]))).toBe(3);
    expect(chooseSlot(new Set(Array.from({ length: 254 }, (_, i) => i + 1)))).toBeNull();
  });

  it('gives agents task port ranges that overlap nobody else', () => {
    const first = chooseAgentPorts(3, []);
    expect(first).toEqual([
      [31000, 31999],
      [32000, 32999],
      [33000, 33999],
    ]);
    const second = chooseAgentPorts(2, [...first!, [35500, 35600]]);
    expect(second).toEqual([
      [34000, 34999],
      [36000, 36999],
    ]);
    expect(chooseAgentPorts(100, [])).toBeNull();
    expect(chooseAgentPorts(0, [])).toEqual([]);
  });

  it('plans the default cluster on standard ports with agents on their own ranges', () => {
    const spec = defaultClusterSpec();
    const addressing = processAddressing(spec, { slot: 4, agentPorts: chooseAgentPorts(3, [])! });
    const nodes = planNodes(spec, addressing);
    expect(nodes.map((n) => `${n.id}@${addressing.hostOf(n.id)}:${n.port}`)).toEqual([
      'zookeeper-1@127.4.3.1:2181',
      'master-1@127.4.1.1:5050',
      'agent-1@127.4.2.1:5051',
      'agent-2@127.4.2.2:5051',
      'agent-3@127.4.2.3:5051',
      'marathon-1@127.4.4.1:8080',
      'chronos-1@127.4.5.1:4400',
    ]);
    const agent2 = nodes.find((n) => n.id === 'agent-2')!;
    expect(agent2.flags).toContain('--master=zk://127.4.3.1:2181/mesos');
    expect(agent2.flags).toContain(
      `--resources=cpus:2;mem:2048;disk:8192;ports:[${AGENT_PORTS_FIRST + 1000}-${AGENT_PORTS_FIRST + 1999}]`,
    );
  });

  it('uses a configured port for the first node of a role; 0 means the standard one', () => {
    const spec = { ...defaultClusterSpec(), masters: 3, ports: { master: 15050, zookeeper: 0 } };
    const addressing = processAddressing(spec, { slot: 1, agentPorts: chooseAgentPorts(3, [])! });
    expect(addressing.portOf?.('master', 1)).toBe(15050);
    expect(addressing.portOf?.('master', 2)).toBe(5050);
    expect(addressing.portOf?.('zookeeper', 1)).toBe(2181);
  });
});
