import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '../../src/node/flags.js';
import { parseWeights } from '../../src/node/master-node.js';
import { parseDuration } from '../../src/util/duration.js';

describe('sandbox-node flags', () => {
  const specs = { port: { help: '', default: '5050' }, zk: { help: '' }, cfs: { help: '', boolean: true } };

  it('takes --name=value, --name value, booleans and --no-name, over defaults', () => {
    expect(parseFlags(['--zk=zk://a:1/m', '--port', '6000', '--cfs'], specs)).toEqual({
      port: '6000',
      zk: 'zk://a:1/m',
      cfs: 'true',
    });
    expect(parseFlags(['--no-cfs'], specs)).toEqual({ port: '5050', cfs: 'false' });
  });

  it('rejects unknown flags, missing values and stray arguments with a message naming them', () => {
    expect(() => parseFlags(['--prot=1'], specs)).toThrow(new FlagError("Unknown flag '--prot'"));
    expect(() => parseFlags(['--zk'], specs)).toThrow("Flag '--zk' needs a value");
    expect(() => parseFlags(['master'], specs)).toThrow("Unexpected argument 'master'");
    expect(() => parseFlags(['--cfs=maybe'], specs)).toThrow("takes true or false, not 'maybe'");
  });

  it('parses Mesos durations', () => {
    expect(parseDuration('1secs')).toBe(1000);
    expect(parseDuration('100ms')).toBe(100);
    expect(parseDuration('5mins')).toBe(300_000);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('5 fortnights')).toThrow(/unknown unit 'fortnights'/);
    expect(() => parseDuration('soon')).toThrow(/Invalid duration 'soon'/);
  });

  it("parses --weights 'role=w,...' and refuses non-positive weights", () => {
    expect(parseWeights('eng=2,ops=0.5')).toEqual([
      { role: 'eng', weight: 2 },
      { role: 'ops', weight: 0.5 },
    ]);
    expect(() => parseWeights('eng=0')).toThrow(/Invalid --weights entry 'eng=0'/);
    expect(() => parseWeights('eng')).toThrow(FlagError);
  });
});
