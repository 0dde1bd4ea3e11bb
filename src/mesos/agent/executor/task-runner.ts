// One task's life under the command executor's semantics (src/launcher/executor.cpp), run by the
// agent itself: TASK_STARTING, TASK_RUNNING, then FINISHED/FAILED/KILLED from how the process ended;
// kills are SIGTERM then SIGKILL after the grace period (default 3 s). A task with a health_check is
// checked from its launch on; health changes go out as TASK_RUNNING updates, and a task that fails
// its check `consecutive_failures` times is killed (its terminal update then says healthy=false).
import type {
  HealthCheck,
  KillPolicy,
  TaskState,
  TaskStatus,
  TaskStatusReason,
  TaskStatusSource,
} from '../../protocol/types.js';
import type { Clock, TimerHandle } from '../../../util/clock.js';
import type { Logger } from '../../../util/log.js';
import type { ContainerLauncher, ExitInfo, LaunchSpec, RunningContainer } from '../containerizer/launcher.js';
import { DiskQuotaWatcher, diskLimitationMessage } from '../containerizer/disk-quota.js';
import {
  createHealthProbe,
  HealthChecker,
  validateHealthCheck,
  type HealthProbe,
  type HealthStatus,
} from './health-checker.js';

export const DEFAULT_KILL_GRACE_MS = 3000;

export interface StatusReport {
  state: TaskState;
  source: TaskStatusSource;
  reason?: TaskStatusReason;
  message?: string;
  container_status?: TaskStatus['container_status'];
  limitation?: TaskStatus['limitation'];
  healthy?: boolean;
}

export interface TaskRunnerOptions {
  launcher: ContainerLauncher;
  clock: Clock;
  log: Logger;
  spec: LaunchSpec;
  /** Whether the framework understands TASK_KILLING (capability TASK_KILLING_STATE). */
  killingState: boolean;
  taskKillPolicy?: KillPolicy;
  /** TaskInfo.max_completion_time, in ms. */
  maxCompletionMs?: number;
  /** TaskInfo.health_check. */
  healthCheck?: HealthCheck;
  /** How one health check is done; by default as Mesos does it (see health-checker.ts). */
  healthProbe?: HealthProbe;
  report: (status: StatusReport) => void;
  /** Called once the container runs (before TASK_RUNNING is reported). */
  onLaunched: (container: RunningContainer) => void;
  /** Called once the container is gone, after the terminal report. */
  onTerminated: (exit: ExitInfo | null) => void;
  /**
   * Runs before the task starts (the fetcher: CommandInfo.uris into the sandbox); a kill aborts it.
   * A rejection fails the task as Mesos does: TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, with the
   * fetcher's reason in the message; nothing is launched.
   */
  fetch?: (signal: AbortSignal) => Promise<void>;
  /** The disk/du isolator with --enforce_container_disk_quota: the sandbox's quota and how it is measured. */
  diskQuota?: { quotaMb: number; intervalMs?: number; measure?: (dir: string) => Promise<number> };
}

export function gracePeriodMs(policy: KillPolicy | undefined): number | undefined {
  const ns = policy?.grace_period?.nanoseconds;
  return ns === undefined ? undefined : Math.max(0, ns / 1e6);
}

export class TaskRunner {
  private container: RunningContainer | null = null;
  private killRequested = false;
  private killDeadline: number | null = null;
  private killTimer: TimerHandle | null = null;
  private completionTimer: TimerHandle | null = null;
  private completionReached = false;
  private terminated = false;
  private healthChecker: HealthChecker | null = null;
  private killedByHealthCheck = false;
  private diskWatcher: DiskQuotaWatcher | null = null;
  private readonly fetchAbort = new AbortController();
  /** Bytes used when the disk quota was found exceeded (the container is then destroyed). */
  private diskExceededBytes: number | null = null;
  /** The TASK_RUNNING report, which health updates repeat with their own `healthy` and reason. */
  private runningReport: StatusReport | null = null;

  constructor(private readonly options: TaskRunnerOptions) {}

  get running(): RunningContainer | null {
    return this.container;
  }

  async start(): Promise<void> {
    const { report, spec } = this.options;
    if (this.options.fetch && !this.killRequested) {
      try {
        await this.options.fetch(this.fetchAbort.signal);
      } catch (err) {
        if (!this.killRequested) {
          this.finish(
            {
              state: 'TASK_FAILED',
              source: 'SOURCE_AGENT',
              reason: 'REASON_CONTAINER_LAUNCH_FAILED',
              message: `Failed to launch container: Failed to fetch all URIs for container '${spec.containerId}': ${(err as Error).message}`,
            },
            null,
          );
          return;
        }
      }
    }
    report({ state: 'TASK_STARTING', source: 'SOURCE_EXECUTOR' });
    if (this.killRequested) {
      this.finish(
        {
          state: 'TASK_KILLED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
          message: 'Task killed before it was launched',
        },
        null,
      );
      return;
    }
    let container: RunningContainer;
    try {
      container = await this.options.launcher.launch(spec);
    } catch (err) {
      this.finish(
        {
          state: 'TASK_FAILED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_CONTAINER_LAUNCH_FAILED',
          message: `Failed to launch container: ${(err as Error).message}`,
        },
        null,
      );
      return;
    }
    await this.watch(container, true);
  }

  /**
   * Takes over a task an earlier agent process launched (recovery): `container` is what the
   * launcher recovered, null when the container is gone without a trace. TASK_RUNNING is reported
   * again only if the task had not got that far; max_completion_time counts from now.
   */
  async adopt(container: RunningContainer | null, lastState: TaskState): Promise<void> {
    if (!container) {
      this.finish(
        {
          state: 'TASK_FAILED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_EXECUTOR_TERMINATED',
          message: 'Abnormal executor termination: unknown container',
        },
        null,
      );
      return;
    }
    await this.watch(container, lastState !== 'TASK_RUNNING');
  }

  /** From a running container to the task's terminal report. */
  private async watch(container: RunningContainer, reportRunning: boolean): Promise<void> {
    const { report, spec } = this.options;
    this.container = container;
    this.options.onLaunched(container);
    // Like the command executor, checking (and its grace period) starts as the task is launched.
    this.startHealthChecks();
    this.startDiskQuota(container);
    this.runningReport = {
      state: 'TASK_RUNNING',
      source: 'SOURCE_EXECUTOR',
      container_status: { container_id: { value: spec.containerId }, executor_pid: container.pid },
    };
    if (reportRunning) report(this.runningReport);
    if (this.options.maxCompletionMs !== undefined) {
      this.completionTimer = this.options.clock.setTimeout(() => {
        this.completionReached = true;
        this.kill(0);
      }, this.options.maxCompletionMs);
    }
    if (this.killRequested) this.signalKill();
    const exit = await container.exited;
    this.healthChecker?.stop();
    this.diskWatcher?.stop();
    this.completionTimer?.cancel();
    this.killTimer?.cancel();
    this.finish(this.terminalReport(exit), exit);
  }

  /** Kills the task; a later kill can only shorten the grace period (as Mesos does). */
  kill(graceMs?: number): void {
    const grace = graceMs ?? gracePeriodMs(this.options.taskKillPolicy) ?? DEFAULT_KILL_GRACE_MS;
    const deadline = this.options.clock.now() + grace;
    if (this.killDeadline !== null && deadline >= this.killDeadline) return;
    this.killDeadline = deadline;
    const first = !this.killRequested;
    this.killRequested = true;
    this.fetchAbort.abort(new Error('Container destroyed during fetching'));
    // As in the command executor: a task being killed is no longer checked, nor timed out.
    this.healthChecker?.stop();
    if (!this.completionReached) this.completionTimer?.cancel();
    if (first && this.options.killingState && this.container) {
      this.options.report({ state: 'TASK_KILLING', source: 'SOURCE_EXECUTOR' });
    }
    if (this.container) this.signalKill();
  }

  private startHealthChecks(): void {
    const { healthCheck, spec, log } = this.options;
    if (!healthCheck || this.killRequested) return;
    const invalid = validateHealthCheck(healthCheck);
    if (invalid) {
      // The command executor, too, only logs this and runs the task unchecked.
      log.error('Failed to create health checker', { task: spec.containerId, error: invalid });
      return;
    }
    this.healthChecker = new HealthChecker({
      check: healthCheck,
      probe:
        this.options.healthProbe ??
        createHealthProbe(healthCheck, { env: spec.env, cwd: spec.cwd, outputPath: spec.stderrPath }),
      clock: this.options.clock,
      log: log.child({ container: spec.containerId }),
      onStatus: (status) => this.healthChanged(status),
    });
    this.healthChecker.start();
  }

  private startDiskQuota(container: RunningContainer): void {
    const quota = this.options.diskQuota;
    if (!quota) return;
    this.diskWatcher = new DiskQuotaWatcher({
      dir: this.options.spec.cwd,
      quotaMb: quota.quotaMb,
      clock: this.options.clock,
      ...(quota.intervalMs !== undefined ? { intervalMs: quota.intervalMs } : {}),
      ...(quota.measure ? { measure: quota.measure } : {}),
      onExceeded: (used) => {
        if (this.terminated) return;
        this.diskExceededBytes = used;
        this.options.log.info('Container exceeded its disk quota; destroying it', {
          container: this.options.spec.containerId,
          usedBytes: used,
          quotaMb: quota.quotaMb,
        });
        this.destroy(container);
      },
    });
    this.diskWatcher.start();
  }

  private healthChanged(status: HealthStatus): void {
    // A check that was under way when the kill began or the task ended says nothing more.
    if (this.killRequested || this.terminated || !this.runningReport) return;
    this.options.report({
      ...this.runningReport,
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      healthy: status.healthy,
    });
    if (status.killTask) {
      this.killedByHealthCheck = true;
      this.kill();
    }
  }

  private signalKill(): void {
    const container = this.container!;
    const remaining = Math.max(0, (this.killDeadline ?? this.options.clock.now()) - this.options.clock.now());
    this.killTimer?.cancel();
    if (remaining === 0) {
      this.destroy(container);
      return;
    }
    container.signal('SIGTERM');
    this.killTimer = this.options.clock.setTimeout(() => this.destroy(container), remaining);
  }

  private destroy(container: RunningContainer): void {
    container.destroy().catch((err: unknown) =>
      this.options.log.error('Could not kill the task', {
        container: this.options.spec.containerId,
        error: (err as Error).message,
      }),
    );
  }

  private terminalReport(exit: ExitInfo): StatusReport {
    if (exit.lost) {
      // It ended while no agent watched, and its waiter left no status (Slave::executorTerminated).
      return {
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: 'Abnormal executor termination: unknown container',
      };
    }
    const how = exit.signal
      ? `Command terminated with signal ${exit.signal}`
      : `Command exited with status ${exit.code ?? -1}`;
    if (exit.oomKilled) {
      return {
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
        message: `Memory limit exceeded: Requested: ${this.options.spec.memMb}MB`,
        limitation: {
          resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: this.options.spec.memMb } }],
        },
      };
    }
    if (this.diskExceededBytes !== null && this.options.diskQuota) {
      const quotaMb = this.options.diskQuota.quotaMb;
      return {
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LIMITATION_DISK',
        message: diskLimitationMessage(this.diskExceededBytes, quotaMb),
        limitation: { resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: quotaMb } }] },
      };
    }
    if (this.completionReached) {
      return {
        state: 'TASK_FAILED',
        source: 'SOURCE_EXECUTOR',
        reason: 'REASON_MAX_COMPLETION_TIME_REACHED',
        message: 'Max completion time reached',
      };
    }
    if (this.killRequested) {
      // Mesos sets no reason here either: healthy=false is what says the health check killed it.
      return {
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: how,
        ...(this.killedByHealthCheck ? { healthy: false } : {}),
      };
    }
    if (exit.code === 0) return { state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', message: how };
    return { state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', message: how };
  }

  private finish(status: StatusReport, exit: ExitInfo | null): void {
    if (this.terminated) return;
    this.terminated = true;
    this.options.report(status);
    const container = this.container;
    const done = (): void => this.options.onTerminated(exit);
    if (container)
      container.destroy().then(done, (err: unknown) => {
        this.options.log.warn('Container cleanup failed', {
          container: this.options.spec.containerId,
          error: (err as Error).message,
        });
        done();
      });
    else done();
  }
}
