import { describe, expect, it } from 'vitest';
import { connectionsTo, killArgs, parseEstablished } from '../../src/cluster/drivers/process/partition.js';

const SS = [
  '0      0      127.0.0.1:47974 127.0.0.7:5050 users:(("node",pid=18316,fd=20))',
  '0      0      127.0.0.7:5050  127.0.0.1:47974 users:(("node",pid=200,fd=21))',
  '0      0      127.0.0.1:47980 127.0.0.7:2181 users:(("node",pid=18316,fd=22))',
  '0      0      127.0.0.1:40000 127.0.0.9:5050 users:(("node",pid=18316,fd=23),("node",pid=18317,fd=23))',
  '0      0      127.0.0.1:40002 127.0.0.7:5050',
  '',
].join('\n');

describe('process driver partitions', () => {
  it('parses ss -Htnp established listings, with every pid that holds a socket', () => {
    const conns = parseEstablished(SS);
    expect(conns).toHaveLength(5);
    expect(conns[0]).toEqual({ local: '127.0.0.1:47974', peer: '127.0.0.7:5050', pids: [18316] });
    expect(conns[3]!.pids).toEqual([18316, 18317]);
    expect(conns[4]!.pids).toEqual([]);
  });

  it("selects the node's connections to the masters only", () => {
    const cut = connectionsTo(parseEstablished(SS), 18316, ['127.0.0.7:5050', '127.0.0.9:5050']);
    expect(cut.map((c) => c.local)).toEqual(['127.0.0.1:47974', '127.0.0.1:40000']);
  });

  it("resets the master's end (src = master, dst = the node's end)", () => {
    expect(killArgs({ local: '127.0.0.1:47974', peer: '127.0.0.7:5050', pids: [] })).toEqual([
      '-K',
      '-Htn',
      'src',
      '127.0.0.7:5050',
      'dst',
      '127.0.0.1:47974',
    ]);
  });
});
