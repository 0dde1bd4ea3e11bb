import { describe, expect, it } from 'vitest';
import { agentResources } from '../../src/mesos/agent/detect-resources.js';

describe('agentResources', () => {
  it('offers named GPUs only on a machine that has them, and says so when dropping them', () => {
    const warnings: string[] = [];
    const without = agentResources('cpus:2;mem:1024;disk:100;gpus:1;ports:[1-2]', '/tmp', {
      hasGpus: false,
      warn: (m) => warnings.push(m),
    });
    expect(without.map((r) => r.name)).not.toContain('gpus');
    expect(warnings).toEqual(['No GPU on this machine: the gpus in --resources are not offered']);
    const withGpus = agentResources('cpus:2;mem:1024;disk:100;gpus:1;ports:[1-2]', '/tmp', { hasGpus: true });
    expect(withGpus.find((r) => r.name === 'gpus')?.scalar?.value).toBe(1);
  });

  it('never detects GPUs, and detects what is not named', () => {
    const detected = agentResources('cpus:2', '/tmp', { hasGpus: true });
    expect(detected.map((r) => r.name).sort()).toEqual(['cpus', 'disk', 'mem', 'ports']);
    expect(detected.find((r) => r.name === 'cpus')?.scalar?.value).toBe(2);
  });
});
