// The leading Chronos: the jobs and their graph in memory (stored in ZooKeeper on every change), the
// schedule loop, the run queue matched against Mesos offers, and what each task's end does to its job
// (Chronos 3.x JobScheduler, TaskManager and MesosJobFramework). A standby never constructs its loop:
// startLeading() is called once elected.
import { MesosFramework } from '../../mesos/scheduler/framework.js';
import { subtractResources } from '../../mesos/protocol/resources.js';
import type { Offer, TaskInfo, TaskStatus } from '../../mesos/protocol/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { DependencyGraph, GraphError } from '../dependency-graph.js';
import { lastState, rewireChildren, type Job, type JobDefaults, type ScheduledJob } from '../job.js';
import { failureOutcome, jobAfterSuccess, type FailurePolicy } from '../run-outcome.js';
import { formatSchedule, isDue, parseSchedule, ScheduleError, skipForward } from '../schedule.js';
import {
  ChronosRequestError,
  type ChronosService,
  type JobRunState,
  type JobStats,
  type TaskRunRecord,
} from '../service.js';
import { buildChronosTask, takeJobResources } from '../task-builder.js';
import { formatTaskId, parseTaskId, type ChronosTaskId } from '../task-id.js';
import type { ChronosStore } from '../storage/zk-store.js';
import { JobStatsBook } from './job-stats.js';
import { RunQueue, type QueuedRun } from './run-queue.js';

export interface ChronosConfig extends FailurePolicy {
  master: string;
  frameworkName: string;
  mesosRole: string;
  hostname: string;
  httpPort: number;
  failoverTimeoutSeconds: number;
  /** --failure_retry: how long a failed run waits before its retry. */
  failureRetryMs: number;
  /** --schedule_horizon in 3.x terms: the longest the loop sleeps when nothing is due sooner. */
  maxLoopSleepMs: number;
  /** --reconciliation_interval. */
  reconciliationIntervalMs: number;
  jobDefaults: JobDefaults;
  webuiUrl?: string;
}

export interface ChronosLeadership {
  isLeader(): boolean;
  leaderHostPort(): string | null;
}

export interface ChronosRuntimeOptions {
  config: ChronosConfig;
  clock: Clock;
  log: Logger;
  store: ChronosStore;
  leadership: ChronosLeadership;
}

interface RunningTask {
  readonly id: ChronosTaskId;
  readonly taskId: string;
  agentId: string | undefined;
  /** When TASK_RUNNING arrived; null while staging. */
  startedAt: number | null;
}

const TERMINAL_FAILURES = new Set([
  'TASK_FAILED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);
/** Offers refused this long when the queue is empty (offers are suppressed then anyway). */
const IDLE_REFUSE_SECONDS = 120;
const RECENTLY_ENDED_LIMIT = 10_000;

export class ChronosRuntime implements ChronosService {
  private readonly jobsByName = new Map<string, Job>();
  private readonly graph = new DependencyGraph();
  private readonly queue = new RunQueue();
  private readonly running = new Map<string, RunningTask>();
  /** Task ids whose end was counted, so a status update delivered twice is not counted twice. */
  private readonly recentlyEnded = new Set<string>();
  private readonly retryTimers = new Map<string, TimerHandle>();
  private readonly stats = new JobStatsBook();
  private framework: MesosFramework | null = null;
  private loopTimer: TimerHandle | null = null;
  private reconcileTimer: TimerHandle | null = null;
  private loaded = false;
  private stopped = false;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;

  constructor(private readonly options: ChronosRuntimeOptions) {}

  private get log(): Logger {
    return this.options.log;
  }

  /** Loads the jobs, subscribes to Mesos and starts the schedule loop. */
  async startLeading(): Promise<void> {
    const { config, store } = this.options;
    const state = await store.load(this.now(), config.jobDefaults);
    this.loadGraph(state.jobs);
    this.loaded = true;
    this.log.info('Chronos state loaded', { jobs: this.jobsByName.size });

    this.framework = new MesosFramework({
      master: config.master,
      log: this.log,
      frameworkInfo: {
        user: config.jobDefaults.user,
        name: config.frameworkName,
        ...(state.frameworkId ? { id: { value: state.frameworkId } } : {}),
        failover_timeout: config.failoverTimeoutSeconds,
        checkpoint: true,
        role: config.mesosRole,
        hostname: config.hostname,
        webui_url: config.webuiUrl ?? `http://${config.hostname}:${config.httpPort}`,
      },
      handlers: {
        onSubscribed: (frameworkId, masterUrl) => {
          this.log.info('Subscribed to Mesos', { frameworkId, master: masterUrl });
          if (frameworkId !== state.frameworkId) {
            state.frameworkId = frameworkId;
            store.saveFrameworkId(frameworkId).catch((err: unknown) => {
              this.log.error('Could not store the framework id', { error: (err as Error).message });
            });
          }
          // Learn which tasks still run (after a restart we know none): implicit reconciliation.
          this.framework?.reconcile([]);
          if (this.queue.size > 0) this.framework?.revive();
          else this.framework?.suppress();
        },
        onOffers: (offers) => this.handleOffers(offers),
        onRescind: () => undefined,
        onUpdate: (status) => this.handleUpdate(status),
        onDisconnected: () => this.log.warn('Lost the connection to the Mesos master'),
      },
    });
    this.reconcileTimer = this.options.clock.setInterval(
      () => this.framework?.reconcile([]),
      config.reconciliationIntervalMs,
    );
    this.wake();
    await this.framework.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.loopTimer?.cancel();
    this.reconcileTimer?.cancel();
    for (const timer of this.retryTimers.values()) timer.cancel();
    this.retryTimers.clear();
    await this.ticking?.catch(() => undefined);
    await this.framework?.close();
  }

  /** Scheduled jobs first, then dependent ones whose parents are all known (others are left out, as Chronos does). */
  private loadGraph(jobs: readonly Job[]): void {
    for (const job of jobs) this.jobsByName.set(job.name, job);
    for (const job of jobs) if (job.kind === 'iso8601') this.graph.addJob(job.name);
    let pending = jobs.filter((j) => j.kind === 'dependency');
    for (let progress = true; progress && pending.length > 0;) {
      progress = false;
      pending = pending.filter((job) => {
        if (job.kind !== 'dependency' || this.graph.unknownParents(job.parents).length > 0) return true;
        try {
          this.graph.addJob(job.name, job.parents);
        } catch (err) {
          this.log.warn('Dependent job left out of the graph', {
            job: job.name,
            error: (err as Error).message,
          });
        }
        progress = true;
        return false;
      });
    }
    for (const job of pending)
      this.log.warn('Dependent job left out of the graph: a parent is missing', { job: job.name });
  }

  // ---- ChronosService: reads ----

  now(): number {
    return this.options.clock.now();
  }

  isReady(): boolean {
    return !this.options.leadership.isLeader() || this.loaded;
  }

  isLeader(): boolean {
    return this.options.leadership.isLeader();
  }

  leaderHostPort(): string | null {
    return this.options.leadership.leaderHostPort();
  }

  jobDefaults(): JobDefaults {
    return this.options.config.jobDefaults;
  }

  jobs(): Job[] {
    return [...this.jobsByName.values()];
  }

  job(name: string): Job | undefined {
    return this.jobsByName.get(name);
  }

  runState(name: string): JobRunState {
    let running = 0;
    for (const task of this.running.values()) if (task.id.jobName === name) running++;
    if (running > 1) return `${running} running`;
    if (running === 1) return 'running';
    return this.queue.countOf(name) > 0 ? 'queued' : 'idle';
  }

  graphCsv(): string {
    return this.graph.toCsv((name) => this.nodeView(name));
  }

  graphDot(): string {
    return this.graph.toDot((name) => this.nodeView(name));
  }

  jobStats(name: string): JobStats | undefined {
    return this.jobsByName.has(name) ? this.stats.get(name) : undefined;
  }

  private nodeView(name: string): { lastState: string; state: string } {
    const job = this.jobsByName.get(name);
    return { lastState: job ? lastState(job) : 'fresh', state: this.runState(name) };
  }

  // ---- ChronosService: writes ----

  async upsertJob(job: Job): Promise<void> {
    const parents = job.kind === 'dependency' ? job.parents : [];
    const unknown = this.graph.unknownParents(parents);
    if (unknown.length > 0)
      throw new ChronosRequestError(
        `Parent job(s) not found: ${unknown.join(', ')}. Create the parents before the dependent job '${job.name}'`,
      );
    try {
      if (this.graph.has(job.name)) this.graph.setParents(job.name, parents);
      else this.graph.addJob(job.name, parents);
    } catch (err) {
      if (err instanceof GraphError) throw new ChronosRequestError(err.message);
      throw err;
    }
    this.jobsByName.set(job.name, job);
    await this.options.store.saveJob(job);
    this.log.info('Job stored', { job: job.name, kind: job.kind });
    this.wake();
  }

  async deleteJob(name: string): Promise<void> {
    const job = this.requireJob(name);
    const children = this.graph.children(name).flatMap((c) => this.jobsByName.get(c) ?? []);
    const rewired = rewireChildren(job, children);
    this.killJobTasks(name);
    this.graph.removeJob(name);
    this.jobsByName.delete(name);
    this.stats.forget(name);
    await this.options.store.deleteJob(name);
    for (const child of rewired) {
      this.graph.setParents(child.name, child.kind === 'dependency' ? child.parents : []);
      this.jobsByName.set(child.name, child);
      await this.options.store.saveJob(child);
    }
    this.log.info('Job deleted', { job: name, rewired: rewired.map((c) => c.name) });
    this.wake();
  }

  runJobNow(name: string, args: string | undefined): void {
    const job = this.requireJob(name);
    const cleanArgs = (args ?? '').replace(/;/g, '');
    this.enqueue({ due: this.now(), attempt: 0, jobName: name, args: cleanArgs }, job.highPriority);
  }

  async markJobSuccess(name: string): Promise<boolean> {
    const job = this.jobsByName.get(name);
    if (!job) return false;
    await this.saveJob(jobAfterSuccess(job, this.now()));
    this.graph.recordChildRun(name);
    this.runChildren(name);
    return true;
  }

  killJobTasks(name: string): void {
    this.requireJob(name);
    const dropped = this.queue.removeJob(name);
    for (const [key, timer] of this.retryTimers) {
      if (parseTaskId(key)?.jobName !== name) continue;
      timer.cancel();
      this.retryTimers.delete(key);
    }
    for (const task of this.running.values()) {
      if (task.id.jobName === name) this.framework?.kill(task.taskId, task.agentId);
    }
    this.log.info('Killing the tasks of a job', { job: name, dropped });
  }

  private requireJob(name: string): Job {
    const job = this.jobsByName.get(name);
    if (!job) throw new ChronosRequestError(`Job '${name}' not found`);
    return job;
  }

  private async saveJob(job: Job): Promise<void> {
    if (!this.jobsByName.has(job.name)) return; // deleted meanwhile
    this.jobsByName.set(job.name, job);
    await this.options.store.saveJob(job);
  }

  // ---- The schedule loop ----

  /** Runs the loop now (after any change); runs it once more if it is running already. */
  private wake(): void {
    if (this.stopped || !this.loaded) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.log.error('Schedule loop failed', { error: (err as Error).message }))
      .finally(() => {
        this.ticking = null;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.wake();
        }
      });
  }

  /**
   * Queues every due scheduled job once. The schedule moves past the run (missed runs collapse into
   * this one) and is stored before the run is queued, so no restart can run one scheduled time twice.
   */
  private async tick(): Promise<void> {
    this.loopTimer?.cancel();
    const now = this.now();
    let nextWake = now + this.options.config.maxLoopSleepMs;
    const due: Array<{ job: ScheduledJob; advanced: ScheduledJob; run: ChronosTaskId }> = [];
    for (const job of [...this.jobsByName.values()]) {
      if (job.kind !== 'iso8601' || job.disabled) continue;
      let schedule;
      try {
        schedule = parseSchedule(job.schedule, job.scheduleTimeZone, now);
      } catch (err) {
        if (!(err instanceof ScheduleError)) throw err;
        this.log.warn('Job has a schedule that does not parse; not running it', { job: job.name });
        continue;
      }
      if (isDue(schedule, now)) {
        const { next, skipped } = skipForward(schedule, now);
        if (skipped > 1) this.log.info('Skipped missed runs', { job: job.name, skipped: skipped - 1 });
        const advanced: ScheduledJob = { ...job, schedule: formatSchedule(next) };
        due.push({ job, advanced, run: { due: schedule.start, attempt: 0, jobName: job.name, args: '' } });
        schedule = next;
      }
      // A start still in the past (a short skip, see skipForward) runs on the next loop.
      if (schedule.repetitions !== 0) nextWake = Math.min(nextWake, Math.max(schedule.start + 1, now + 1));
    }
    // All stores at once (a burst of due jobs is one ZooKeeper round trip, not one each); a run is
    // queued only once its job is stored, and a job that could not be stored is due again next loop.
    const stored = await Promise.allSettled(due.map(({ advanced }) => this.saveJob(advanced)));
    stored.forEach((result, i) => {
      const { job, run } = due[i]!;
      if (result.status === 'fulfilled') return this.enqueue(run, job.highPriority);
      this.log.error('Could not store a job; its run waits for the next loop', {
        job: job.name,
        error: (result.reason as Error).message,
      });
      if (this.jobsByName.has(job.name)) this.jobsByName.set(job.name, job);
      nextWake = Math.min(nextWake, now + 1000);
    });
    if (!this.stopped) this.loopTimer = this.options.clock.setTimeout(() => this.wake(), nextWake - now);
  }

  private enqueue(id: ChronosTaskId, highPriority: boolean): void {
    if (this.queue.enqueue(id, highPriority)) {
      this.log.debug('Run queued', { taskId: formatTaskId(id) });
      this.framework?.revive();
    }
  }

  // ---- Mesos ----

  private handleOffers(offers: Offer[]): void {
    const unused: Offer[] = [];
    for (const offer of offers) {
      const tasks = this.matchOffer(offer);
      if (tasks.length > 0) this.framework?.launch(offer, tasks, 1);
      else unused.push(offer);
    }
    if (unused.length > 0) this.framework?.decline(unused, this.queue.size > 0 ? 1 : IDLE_REFUSE_SECONDS);
    if (this.queue.size === 0) this.framework?.suppress();
  }

  /** Takes queued runs that fit the offer: at most one per job, each job's other rules applied. */
  private matchOffer(offer: Offer): TaskInfo[] {
    let pool = offer.resources;
    const tasks: TaskInfo[] = [];
    const launchedJobs = new Set<string>();
    this.queue.drain((run: QueuedRun) => {
      const job = this.jobsByName.get(run.id.jobName);
      if (!job) return 'drop'; // deleted while queued
      if (job.disabled) {
        this.log.info('Dropping a run of a disabled job', { taskId: run.taskId });
        return 'drop';
      }
      if (this.running.has(run.taskId)) return 'drop'; // the same run, launched already
      if (launchedJobs.has(job.name)) return 'keep';
      if (!job.concurrent && this.hasRunningTask(job.name)) {
        this.log.warn('Dropping a run: the job is still running and not concurrent', { taskId: run.taskId });
        return 'drop';
      }
      const resources = takeJobResources(job, pool, offer);
      if (!resources) return 'keep';
      pool = subtractResources(pool, resources);
      tasks.push(buildChronosTask(job, run.id, offer, resources));
      launchedJobs.add(job.name);
      this.running.set(run.taskId, {
        id: run.id,
        taskId: run.taskId,
        agentId: offer.agent_id.value,
        startedAt: null,
      });
      this.recordRun(run.taskId, run.id, offer.agent_id.value, null, null, 'staging');
      this.log.info('Launching a run', { taskId: run.taskId, agent: offer.hostname });
      return 'take';
    });
    return tasks;
  }

  private hasRunningTask(jobName: string): boolean {
    for (const task of this.running.values()) if (task.id.jobName === jobName) return true;
    return false;
  }

  private handleUpdate(status: TaskStatus): void {
    this.framework?.acknowledge(status);
    const taskId = status.task_id.value;
    const id = parseTaskId(taskId);
    if (!id) {
      this.log.warn('Status update for a task Chronos did not launch', { taskId, state: status.state });
      return;
    }
    const state = status.state;
    const agentId = status.agent_id?.value;
    if (state === 'TASK_STAGING' || state === 'TASK_STARTING' || state === 'TASK_RUNNING') {
      if (this.recentlyEnded.has(taskId)) return;
      let task = this.running.get(taskId);
      if (!task) {
        // A task from before a restart, learned by reconciliation.
        task = { id, taskId, agentId, startedAt: null };
        this.running.set(taskId, task);
      }
      if (state === 'TASK_RUNNING' && task.startedAt === null) {
        task.startedAt = this.now();
        // The child's parents' successes are used up once it runs (JobGraph.resetDependencyInvocations).
        this.graph.recordChildRun(id.jobName);
        this.recordRun(taskId, id, agentId ?? '', task.startedAt, null, 'running');
      }
      return;
    }
    if (state === 'TASK_KILLING' || state === 'TASK_UNREACHABLE' || state === 'TASK_UNKNOWN') return;
    const task = this.running.get(taskId);
    this.running.delete(taskId);
    if (this.recentlyEnded.has(taskId)) return;
    this.rememberEnded(taskId);
    const now = this.now();
    const startedAt = task?.startedAt ?? null;
    this.recordRun(taskId, id, agentId ?? '', startedAt, now, state.slice('TASK_'.length).toLowerCase());
    const job = this.jobsByName.get(id.jobName);
    if (!job) return;
    if (state === 'TASK_FINISHED') {
      if (startedAt !== null) this.stats.recordDuration(job.name, now - startedAt);
      this.log.info('Run succeeded', { taskId });
      this.persistThen(jobAfterSuccess(job, now), () => this.runChildren(job.name));
    } else if (TERMINAL_FAILURES.has(state)) {
      this.handleFailure(job, id, status, now);
    } else {
      // TASK_KILLED: Chronos only notifies; no retry, no counters.
      this.log.info('Run killed', { taskId });
    }
    this.wake();
  }

  private handleFailure(job: Job, id: ChronosTaskId, status: TaskStatus, now: number): void {
    const outcome = failureOutcome(job, id.attempt, now, this.options.config);
    const taskId = formatTaskId(id);
    if (outcome.kind === 'retry') {
      const retry: ChronosTaskId = { ...id, attempt: outcome.attempt };
      this.log.info('Run failed; retrying', { taskId, attempt: outcome.attempt, message: status.message });
      const key = formatTaskId(retry);
      this.retryTimers.set(
        key,
        this.options.clock.setTimeout(() => {
          this.retryTimers.delete(key);
          const current = this.jobsByName.get(job.name);
          if (current) this.enqueue(retry, current.highPriority);
        }, this.options.config.failureRetryMs),
      );
      return;
    }
    this.log.warn('Run failed', { taskId, state: status.state, message: status.message });
    this.persistThen(outcome.job, () => {
      if (outcome.triggerChildren) this.runChildren(job.name);
    });
  }

  /** Queues the children that are ready now that `parent` succeeded (disabled ones are counted, not run). */
  private runChildren(parent: string): void {
    const now = this.now();
    for (const childName of this.graph.recordSuccess(parent)) {
      const child = this.jobsByName.get(childName);
      if (!child || child.disabled) continue;
      this.enqueue({ due: now, attempt: 0, jobName: childName, args: '' }, child.highPriority);
    }
  }

  private persistThen(job: Job, then: () => void): void {
    this.saveJob(job)
      .catch((err: unknown) =>
        this.log.error('Could not store a job', { job: job.name, error: (err as Error).message }),
      )
      .finally(then);
  }

  private rememberEnded(taskId: string): void {
    this.recentlyEnded.add(taskId);
    if (this.recentlyEnded.size > RECENTLY_ENDED_LIMIT) {
      const oldest = this.recentlyEnded.values().next().value;
      if (oldest !== undefined) this.recentlyEnded.delete(oldest);
    }
  }

  private recordRun(
    taskId: string,
    id: ChronosTaskId,
    slaveId: string,
    startTime: number | null,
    endTime: number | null,
    status: string,
  ): void {
    const record: TaskRunRecord = { taskId, jobName: id.jobName, slaveId, startTime, endTime, status };
    this.stats.recordRun(record);
  }
}
