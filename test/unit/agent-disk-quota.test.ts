import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DiskQuotaWatcher,
  diskLimitationMessage,
  measureDiskUsage,
} from '../../src/mesos/agent/containerizer/disk-quota.js';
import { ManualClock } from '../../src/util/clock.js';

const MB = 1024 * 1024;

describe('measureDiskUsage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disk-quota-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts what is written under the directory', async () => {
    const before = await measureDiskUsage(dir);
    writeFileSync(join(dir, 'blob'), Buffer.alloc(3 * MB, 1));
    const after = await measureDiskUsage(dir);
    expect(after - before).toBeGreaterThanOrEqual(3 * MB);
  });

  it('rejects for a directory that does not exist', async () => {
    await expect(measureDiskUsage(join(dir, 'missing'))).rejects.toThrow();
  });
});

describe('DiskQuotaWatcher', () => {
  it('reports once, at the first measurement over the quota, then stops measuring', async () => {
    const clock = new ManualClock(0);
    const usage = [1 * MB, 2 * MB, 11 * MB, 12 * MB];
    let measured = 0;
    const exceeded: number[] = [];
    const watcher = new DiskQuotaWatcher({
      dir: '/sandbox',
      quotaMb: 10,
      clock,
      intervalMs: 1000,
      measure: () => Promise.resolve(usage[measured++]!),
      onExceeded: (used) => exceeded.push(used),
    });
    watcher.start();
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    expect(exceeded).toEqual([11 * MB]);
    expect(measured).toBe(3);
  });

  it('says what Mesos says', () => {
    expect(diskLimitationMessage(12 * MB, 10)).toBe('Disk usage (12MB) exceeds quota (10MB)');
  });
});
