// Mesos's disk/du isolator: every --container_disk_watch_interval the sandbox's usage is measured
// with `du -k -s`, and with --enforce_container_disk_quota a container using more than its `disk`
// resource is ended with REASON_CONTAINER_LIMITATION_DISK. Measuring is injected so the watching is
// testable with a manual clock.
import { execFile } from 'node:child_process';
import type { Clock, TimerHandle } from '../../../util/clock.js';

export const DEFAULT_DISK_WATCH_INTERVAL_MS = 15_000;

/** Bytes used under `dir`, as `du -k -s` counts them (allocated blocks, hard links once). */
export function measureDiskUsage(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('du', ['-k', '-s', dir], { encoding: 'utf8' }, (err, stdout) => {
      // du still prints a total when some files vanished during the walk (exit status 1).
      const kb = Number(stdout.split(/\s/)[0]);
      if (Number.isFinite(kb) && stdout.trim() !== '') resolve(kb * 1024);
      else reject(err ?? new Error(`du printed nothing for ${dir}`));
    });
  });
}

/** Mesos's message for a container over its disk quota (isolators/posix/disk.cpp). */
export function diskLimitationMessage(usedBytes: number, quotaMb: number): string {
  const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)}MB`;
  return `Disk usage (${mb(usedBytes)}) exceeds quota (${quotaMb}MB)`;
}

export interface DiskQuotaWatcherOptions {
  dir: string;
  quotaMb: number;
  clock: Clock;
  intervalMs?: number;
  measure?: (dir: string) => Promise<number>;
  /** Called once, the first time usage is over the quota. */
  onExceeded: (usedBytes: number) => void;
}

export class DiskQuotaWatcher {
  private timer: TimerHandle | null = null;
  private measuring = false;
  private done = false;

  constructor(private readonly options: DiskQuotaWatcherOptions) {}

  start(): void {
    if (this.timer || this.done) return;
    this.timer = this.options.clock.setInterval(
      () => void this.check(),
      this.options.intervalMs ?? DEFAULT_DISK_WATCH_INTERVAL_MS,
    );
  }

  stop(): void {
    this.done = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /** One measurement (the interval calls this; exposed for tests and a check at launch). */
  async check(): Promise<void> {
    if (this.measuring || this.done) return;
    this.measuring = true;
    try {
      const used = await (this.options.measure ?? measureDiskUsage)(this.options.dir);
      if (!this.done && used > this.options.quotaMb * 1024 * 1024) {
        this.stop();
        this.options.onExceeded(used);
      }
    } catch {
      // A sandbox being removed cannot be measured; the next round (if any) tries again.
    } finally {
      this.measuring = false;
    }
  }
}
