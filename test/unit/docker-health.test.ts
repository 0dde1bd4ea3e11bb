// The pure parts of DOCKER task health checks: what `docker exec` runs for a COMMAND check, and the
// pid line a shell check reports first. (The checks themselves: test/integration/docker-health.test.ts.)
import { describe, expect, it } from 'vitest';
import { dockerCheckCommand, takePidLine } from '../../src/mesos/agent/containerizer/docker-health.js';

describe('dockerCheckCommand', () => {
  it('runs a shell check as sh -c <value>, after printing the pid of its process group', () => {
    const { argv, reportsPid } = dockerCheckCommand({ value: 'curl -f localhost:80 && echo "$HOME"' });
    expect(reportsPid).toBe(true);
    expect(argv).toEqual([
      'sh',
      '-c',
      'echo "$$"; exec sh -c "$1"',
      'sh',
      'curl -f localhost:80 && echo "$HOME"',
    ]);
    expect(dockerCheckCommand({ shell: true, value: 'true' }).argv.at(-1)).toBe('true');
  });

  it('runs a non-shell check as value then every argument, as docker exec takes them', () => {
    expect(dockerCheckCommand({ shell: false, value: '/bin/check', arguments: ['check', '--fast'] })).toEqual(
      {
        argv: ['/bin/check', 'check', '--fast'],
        reportsPid: false,
      },
    );
    expect(dockerCheckCommand({ shell: false, arguments: ['test', '-f', '/ready'] }).argv).toEqual([
      'test',
      '-f',
      '/ready',
    ]);
  });
});

describe('takePidLine', () => {
  it('waits for a complete first line, then splits the pid from what follows', () => {
    expect(takePidLine(Buffer.from('12'))).toBeNull();
    const taken = takePidLine(Buffer.from('123\nchecking...\nok\n'));
    expect(taken?.pid).toBe(123);
    expect(taken?.rest.toString()).toBe('checking...\nok\n');
  });

  it('has no pid when the first line is not one', () => {
    const taken = takePidLine(Buffer.from('sh: 1: exec: nope: not found\n'));
    expect(taken?.pid).toBeNull();
    expect(taken?.rest.length).toBe(0);
  });
});
