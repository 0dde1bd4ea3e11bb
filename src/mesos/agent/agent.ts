// The agent's core: registers with the leading master, runs the tasks it is sent (command tasks and
// task groups) in containers, and reports their status reliably. The HTTP endpoints read its state
// through AgentView.
import { mkdir, symlink, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { AgentEvent, AgentSubscribe, AgentTaskReport } from '../protocol/agent-protocol.js';
import { newStatusUuid } from '../protocol/ids.js';
import { scalarOf } from '../protocol/resources.js';
import {
  isTerminalState,
  type AgentInfo,
  type CommandInfo,
  type CommandURI,
  type ContainerInfo,
  type ExecutorInfo,
  type FrameworkInfo,
  type Resource,
  type TaskInfo,
  type TaskStatus,
} from '../protocol/types.js';
import type { MasterDetector } from '../master-detector.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { ContainerLauncher, ContainerStatistics, RunningContainer } from './containerizer/launcher.js';
import { TaskRunner, gracePeriodMs, type StatusReport } from './executor/task-runner.js';
import type { DockerLaunchSpec } from './containerizer/docker-launcher.js';
import { Containerizers, type TaskContainment } from './containerizer/containerizers.js';
import { containerImageOf } from './containerizer/image-launcher.js';
import { dockerHealthProbe } from './containerizer/docker-health.js';
import type { DockerPlacement } from './containerizer/docker-spec.js';
import { fetchUris } from './fetcher/fetcher.js';
import { inheritedEnvironment, taskEnvironment } from './executor/task-env.js';
import { MasterLink } from './master-link.js';
import {
  AGENT_CAPABILITIES,
  sandboxPath,
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  type AgentView,
} from './model.js';
import { StatusUpdateManager } from './status-update-manager.js';
import { AgentVolumes, volumeMounts } from './volumes.js';
import {
  currentBootId,
  MetaStore,
  type ExecutorRecord,
  type RecoveredAgent,
} from './checkpoint/meta-store.js';
import { containerRuntimeDir } from './checkpoint/meta-paths.js';
import { MESOS_VERSION } from '../master/model.js';

export interface AgentOptions {
  hostname: string;
  port: number;
  workDir: string;
  resources: Resource[];
  attributes: AgentInfo['attributes'];
  attributesText: string;
  flags: Record<string, string>;
  detector: MasterDetector;
  launcher: ContainerLauncher;
  clock: Clock;
  log: Logger;
  /** Where sandboxes are attached for /files (virtual path -> real path). */
  files: {
    attachSandbox(frameworkId: string, executorId: string, directory: string): void;
    detachSandbox(frameworkId: string, executorId: string, directory: string): void;
  };
  statusUpdateRetryMinMs?: number;
  registrationBackoffMs?: number;
  maxCompletedExecutorsPerFramework?: number;
  /** The disk/du isolator: tasks over their `disk` resource are ended (--enforce_container_disk_quota). */
  diskQuota?: { enforce: boolean; watchIntervalMs: number };
  /** The fetcher's cache and timeouts (--fetcher_cache_dir, --fetcher_cache_size, --fetcher_stall_timeout). */
  fetcher?: { cacheDir: string; cacheSizeBytes: number; stallTimeoutMs: number };
  /** The Docker daemon DOCKER tasks run on (--docker_socket); connected at the first such task. */
  dockerSocket?: string;
  /** Where DOCKER tasks go when the agent runs in a container itself (the Docker driver). */
  dockerPlacement?: DockerPlacement;
}

const seconds = (ms: number): number => ms / 1000;

export class Agent implements AgentView {
  readonly info: AgentInfo;
  readonly pid: string;
  readonly hostname: string;
  readonly port: number;
  readonly startTime: number;
  readonly flags: Readonly<Record<string, string>>;
  readonly attributesText: string;
  readonly capabilities = AGENT_CAPABILITIES;
  readonly isolation: string;
  readonly workDir: string;
  readonly frameworks = new Map<string, AgentFramework>();
  readonly completedFrameworks: AgentFramework[] = [];
  readonly counters: Record<string, number> = {};

  private agentId: string | null = null;
  private masterInfoHost: string | null = null;
  private readonly link: MasterLink;
  private readonly updates: StatusUpdateManager;
  private readonly runners = new Map<string, TaskRunner>();
  private readonly containerizers: Containerizers;
  private readonly shuttingDown = new Set<string>();
  private readonly containers = new Map<string, RunningContainer>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly meta: MetaStore;
  /** Checkpointed reservations and persistent volumes; the agent's total comes from here. */
  private readonly volumes: AgentVolumes;

  constructor(private readonly options: AgentOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.meta = new MetaStore(options.workDir);
    this.containerizers = new Containerizers({
      launcher: options.launcher,
      workDir: options.workDir,
      log: options.log,
      ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
      ...(options.dockerPlacement ? { dockerPlacement: options.dockerPlacement } : {}),
    });
    this.hostname = options.hostname;
    this.port = options.port;
    this.workDir = options.workDir;
    this.flags = options.flags;
    this.volumes = new AgentVolumes({
      workDir: options.workDir,
      resources: options.resources,
      log: this.log,
    });
    this.attributesText = options.attributesText;
    this.isolation = options.launcher.isolation;
    this.startTime = seconds(this.clock.now());
    this.pid = `slave(1)@${options.hostname}:${options.port}`;
    this.info = {
      hostname: options.hostname,
      port: options.port,
      resources: options.resources,
      attributes: options.attributes ?? [],
    };
    this.updates = new StatusUpdateManager({
      clock: this.clock,
      forward: (frameworkId, status) =>
        this.link.send({ type: 'STATUS_UPDATE', framework_id: frameworkId, status }),
      ...(options.statusUpdateRetryMinMs !== undefined ? { retryMinMs: options.statusUpdateRetryMinMs } : {}),
    });
    this.link = new MasterLink({
      detector: options.detector,
      clock: this.clock,
      log: this.log,
      subscribeBody: () => this.subscribeBody(),
      onEvent: (e) => this.handleEvent(e),
      backoffFactorMs: options.registrationBackoffMs ?? 250,
      maxBackoffMs: 10_000,
    });
  }

  get id(): string | null {
    return this.agentId;
  }

  get registered(): boolean {
    return this.link.connected;
  }

  /** --resources with the checkpointed reservations and volumes applied. */
  get totalResources(): readonly Resource[] {
    return this.volumes.total;
  }

  get masterHostname(): string | null {
    return this.masterInfoHost;
  }

  now(): number {
    return seconds(this.clock.now());
  }

  async start(): Promise<void> {
    await mkdir(this.workDir, { recursive: true });
    await this.volumes.recover();
    await this.recover();
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    this.updates.stop();
    await Promise.all([...this.containers.values()].map((c) => c.destroy().catch(() => undefined)));
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Picks up where an earlier agent process on this work_dir left off (Slave::recover): the same
   * agent id, the tasks of checkpointing frameworks (still running, or ended meanwhile), their
   * unacknowledged updates. Containers of anything else are destroyed (Mesos's orphans). After a
   * reboot nothing survived: the agent starts afresh and registers as a new agent.
   */
  private async recover(): Promise<void> {
    const state = this.meta.read();
    const bootId = currentBootId();
    const kept = new Set<string>();
    if (state && state.bootId !== null && bootId !== null && state.bootId !== bootId) {
      this.log.info('The machine rebooted since the last run: registering as a new agent', {
        agent: state.agentId,
      });
      this.meta.clear();
    } else if (state) {
      this.agentId = state.agentId;
      await this.recoverFrameworks(state, kept);
      this.log.info('Recovered agent state', { agent: state.agentId, tasks: this.runners.size });
    }
    await this.containerizers.destroyOrphans(this.agentId, kept);
  }

  private async recoverFrameworks(state: RecoveredAgent, kept: Set<string>): Promise<void> {
    for (const recovered of state.frameworks) {
      const fw = this.framework(recovered.info);
      for (const { record, tasks } of recovered.executors) {
        const executor: AgentExecutor = {
          id: record.info.executor_id.value,
          frameworkId: fw.id,
          info: record.info,
          kind: record.kind,
          containerId: record.containerId,
          directory: record.directory,
          tasks: new Map(),
          completedTasks: [],
          role: record.role,
        };
        fw.executors.set(executor.id, executor);
        this.options.files.attachSandbox(fw.id, executor.id, executor.directory);
        for (const t of tasks) {
          const last = t.statuses[t.statuses.length - 1];
          const task: AgentTask = {
            info: t.record.info,
            frameworkId: fw.id,
            executorId: executor.id,
            state: last?.state ?? 'TASK_STAGING',
            statuses: t.statuses,
            resources: t.record.info.resources ?? [],
            role: t.record.role,
            containerId: t.record.containerId,
            directory: t.record.directory,
            checkpointDir: this.meta.taskDir(
              this.agentId!,
              fw.id,
              executor.info,
              executor.containerId,
              t.record.info,
            ),
          };
          // Acknowledged and finished: only history now.
          if (last && isTerminalState(last.state) && t.acknowledged === t.statuses.length) {
            executor.completedTasks.push(task);
            continue;
          }
          executor.tasks.set(task.info.task_id.value, task);
          // Updates the framework never acknowledged go out again once registered.
          for (const status of t.statuses.slice(t.acknowledged)) this.updates.update(fw.id, status);
          if (isTerminalState(task.state)) continue;
          kept.add(task.containerId);
          const container = await this.recoverContainer(fw, executor, task);
          void this.createRunner(fw, executor, task).adopt(container, task.state);
        }
        if (executor.tasks.size === 0) {
          fw.executors.delete(executor.id);
          fw.completedExecutors.push(executor);
        }
      }
    }
  }

  private async recoverContainer(
    fw: AgentFramework,
    executor: AgentExecutor,
    task: AgentTask,
  ): Promise<RunningContainer | null> {
    try {
      return await this.containerizers.recover(
        task.containerId,
        this.containerOf(fw, executor, task).containment,
      );
    } catch (err) {
      this.log.warn('Could not recover a container', {
        container: task.containerId,
        error: (err as Error).message,
      });
      return null;
    }
  }

  /**
   * The master asks about tasks it believes run here; those unknown here are gone (the agent
   * restarted without them: their framework did not checkpoint). Slave::reregistered.
   */
  private reconcileUnknownTasks(frameworkId: string, partitionAware: boolean, taskIds: string[]): void {
    for (const taskId of taskIds) {
      if (this.findTask(frameworkId, taskId)) continue;
      this.updates.update(frameworkId, {
        task_id: { value: taskId },
        state: partitionAware ? 'TASK_DROPPED' : 'TASK_LOST',
        source: 'SOURCE_AGENT',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: task unknown to the agent',
        agent_id: { value: this.agentId! },
        timestamp: this.now(),
        uuid: newStatusUuid(),
      });
    }
  }

  async containerStatistics(containerId: string): Promise<ContainerStatistics | null> {
    const c = this.containers.get(containerId);
    return c ? c.statistics() : null;
  }

  private count(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  // ---------------------------------------------------------------- registration

  private subscribeBody(): AgentSubscribe {
    const tasks: AgentTaskReport[] = [];
    const frameworks: FrameworkInfo[] = [];
    for (const fw of this.frameworks.values()) {
      frameworks.push(fw.info);
      for (const ex of fw.executors.values()) {
        for (const t of ex.tasks.values()) {
          tasks.push({
            framework_id: fw.id,
            executor_id: ex.kind === 'command' ? '' : ex.id,
            task: t.info,
            state: t.state,
            statuses: t.statuses,
            resources: t.resources.map((r) => ({ ...r, allocation_info: { role: t.role } })),
          });
        }
      }
    }
    return {
      type: this.agentId ? 'REREGISTER' : 'REGISTER',
      agent_info: this.info,
      ...(this.agentId ? { agent_id: { value: this.agentId } } : {}),
      version: MESOS_VERSION,
      capabilities: [...AGENT_CAPABILITIES],
      frameworks,
      tasks,
      checkpointed_resources: [...this.volumes.checkpointed],
    };
  }

  private handleEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'REGISTERED': {
        const first = this.agentId === null;
        this.agentId = event.agent_id.value;
        if (first) this.meta.checkpointAgent({ ...this.info, id: { value: this.agentId } }, currentBootId());
        this.masterInfoHost = event.master_info.hostname ?? event.master_info.address?.ip ?? null;
        this.log.info(first ? 'Registered with master' : 'Re-registered with master', {
          agent: this.agentId,
          master: this.link.master,
        });
        // Updates the old master never acknowledged go to the new one now, not after a backoff.
        this.updates.resendAll();
        for (const r of event.reconcile ?? [])
          this.reconcileUnknownTasks(r.framework_id, r.partition_aware, r.task_ids);
        return;
      }
      case 'RUN_TASK':
        this.runTask(event.framework_info, event.task);
        return;
      case 'RUN_TASK_GROUP':
        this.runTaskGroup(event.framework_info, event.executor, event.task_group.tasks);
        return;
      case 'KILL_TASK':
        this.killTask(event.framework_id, event.task_id, gracePeriodMs(event.kill_policy));
        return;
      case 'ACKNOWLEDGE':
        this.acknowledge(event.framework_id, event.task_id, event.uuid);
        return;
      case 'SHUTDOWN_EXECUTOR':
        this.shutdownExecutor(event.framework_id, event.executor_id);
        return;
      case 'SHUTDOWN_FRAMEWORK':
        this.shutdownFramework(event.framework_id);
        return;
      case 'FRAMEWORK_MESSAGE':
        // The built-in executors take no framework messages (Mesos's command executor drops them too).
        this.log.debug('Dropped a framework message: built-in executors take none', {
          executor: event.executor_id,
        });
        return;
      case 'CHECKPOINT_RESOURCES':
        // Queued: a RUN_TASK right behind it attaches its volumes only once this is done.
        void this.volumes.update(event.resources);
        return;
      case 'PING':
        return;
    }
  }

  // ---------------------------------------------------------------- launching

  private framework(info: FrameworkInfo): AgentFramework {
    const id = info.id!.value;
    let fw = this.frameworks.get(id);
    if (!fw) {
      fw = { id, info, executors: new Map(), completedExecutors: [] };
      this.frameworks.set(id, fw);
    } else fw.info = info;
    return fw;
  }

  private runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void {
    const fw = this.framework(frameworkInfo);
    const executorId = task.executor?.executor_id.value ?? task.task_id.value;
    const command = task.command ?? task.executor?.command ?? {};
    const role = roleOf(task.resources ?? [], frameworkInfo);
    const info: ExecutorInfo = task.executor ?? {
      executor_id: { value: executorId },
      framework_id: { value: fw.id },
      name: `Command Executor (Task: ${task.task_id.value}) (Command: sh -c '${(command.value ?? '').slice(0, 12)}...')`,
      source: task.task_id.value,
      command,
    };
    const executor = this.newExecutor(fw, executorId, info, task.executor ? 'default' : 'command', role);
    this.startTask(fw, executor, task, role, executor.directory);
  }

  private runTaskGroup(frameworkInfo: FrameworkInfo, executorInfo: ExecutorInfo, tasks: TaskInfo[]): void {
    const fw = this.framework(frameworkInfo);
    const role = roleOf(tasks[0]?.resources ?? executorInfo.resources ?? [], frameworkInfo);
    const executor =
      fw.executors.get(executorInfo.executor_id.value) ??
      this.newExecutor(fw, executorInfo.executor_id.value, executorInfo, 'default', role);
    for (const task of tasks) {
      const dir = `${executor.directory}/tasks/${task.task_id.value}`;
      this.startTask(fw, executor, task, role, dir);
    }
  }

  private newExecutor(
    fw: AgentFramework,
    id: string,
    info: ExecutorInfo,
    kind: 'command' | 'default',
    role: string,
  ): AgentExecutor {
    const containerId = randomUUID();
    const directory = sandboxPath(this.workDir, this.agentId!, fw.id, id, containerId);
    const executor: AgentExecutor = {
      id,
      frameworkId: fw.id,
      info,
      kind,
      containerId,
      directory,
      tasks: new Map(),
      completedTasks: [],
      role,
    };
    fw.executors.set(id, executor);
    this.options.files.attachSandbox(fw.id, id, directory);
    if (fw.info.checkpoint) {
      this.meta.checkpointFramework(this.agentId!, fw.info);
      this.meta.checkpointExecutor(this.agentId!, fw.id, executorRecord(executor));
    }
    return executor;
  }

  private startTask(
    fw: AgentFramework,
    executor: AgentExecutor,
    info: TaskInfo,
    role: string,
    directory: string,
  ): void {
    const containerId =
      executor.kind === 'command' ? executor.containerId : `${executor.containerId}.${randomUUID()}`;
    const task: AgentTask = {
      info,
      frameworkId: fw.id,
      executorId: executor.id,
      state: 'TASK_STAGING',
      statuses: [],
      resources: info.resources ?? [],
      role,
      containerId,
      directory,
    };
    executor.tasks.set(info.task_id.value, task);
    if (fw.info.checkpoint) {
      const record = { info, role, containerId, directory };
      task.checkpointDir = this.meta.checkpointTask(this.agentId!, fw.id, executorRecord(executor), record);
    }
    const runner = this.createRunner(fw, executor, task);
    this.prepareSandbox(executor, directory)
      .then(() =>
        this.volumes.attach(info.resources ?? [], directory, info.container ?? executor.info.container),
      )
      .then(() => runner.start())
      .catch((err: unknown) =>
        this.log.error('Task runner failed', { task: info.task_id.value, error: (err as Error).message }),
      );
  }

  /** The TaskRunner of a task, new or recovered: its container, environment, checks and reports. */
  private createRunner(fw: AgentFramework, executor: AgentExecutor, task: AgentTask): TaskRunner {
    const { info, containerId, directory } = task;
    const taskId = info.task_id.value;
    const { command, container, env, containment } = this.containerOf(fw, executor, task);
    const launcher = this.containerizers.launcherFor(containment);
    const uris = command.uris ?? [];
    const runner = new TaskRunner({
      launcher,
      clock: this.clock,
      log: this.log,
      killingState: (fw.info.capabilities ?? []).some((c) => c.type === 'TASK_KILLING_STATE'),
      ...(info.kill_policy ? { taskKillPolicy: info.kill_policy } : {}),
      ...(info.max_completion_time ? { maxCompletionMs: info.max_completion_time.nanoseconds / 1e6 } : {}),
      ...(info.health_check ? { healthCheck: info.health_check } : {}),
      // A Docker task is checked inside its container, as Mesos's docker executor does.
      ...(info.health_check && container?.type === 'DOCKER'
        ? {
            healthProbe: dockerHealthProbe(info.health_check, () => task.container, {
              outputPath: `${directory}/stderr`,
            }),
          }
        : {}),
      spec: {
        containerId,
        shell: command.shell ?? true,
        ...(command.value !== undefined ? { value: command.value } : {}),
        ...(command.arguments ? { arguments: command.arguments } : {}),
        env,
        cwd: directory,
        stdoutPath: `${directory}/stdout`,
        stderrPath: `${directory}/stderr`,
        runtimeDir: containerRuntimeDir(this.workDir, containerId),
        cpus: Math.max(0.01, scalarOf(info.resources ?? [], 'cpus')),
        memMb: Math.max(4, scalarOf(info.resources ?? [], 'mem')),
      },
      ...this.diskQuotaOf(info),
      ...(uris.length > 0
        ? {
            fetch: (signal: AbortSignal) => this.fetch(uris, directory, command.user ?? fw.info.user, signal),
          }
        : {}),
      report: (status) => this.report(task, status),
      onLaunched: (container) => {
        task.container = container;
        this.containers.set(containerId, container);
      },
      onTerminated: () => {
        this.containers.delete(containerId);
        this.runners.delete(runnerKey(fw.id, taskId));
        // Its terminal update is checkpointed by now: the runtime record has served its purpose.
        void this.containerizers.release(containerId, containment);
        this.taskTerminated(fw, executor, task);
      },
    });
    this.runners.set(runnerKey(fw.id, taskId), runner);
    return runner;
  }

  /** What a task runs in: its command, container info, environment, and a DOCKER task's spec. */
  private containerOf(
    fw: AgentFramework,
    executor: AgentExecutor,
    task: AgentTask,
  ): {
    command: CommandInfo;
    container?: ContainerInfo;
    env: Record<string, string>;
    containment: TaskContainment;
  } {
    const { info, containerId, directory } = task;
    const command = info.command ?? executor.info.command ?? {};
    const container = info.container ?? executor.info.container;
    const image = containerImageOf(container);
    const env = taskEnvironment(info, {
      frameworkId: fw.id,
      executorId: executor.id,
      agentId: this.agentId!,
      agentHost: this.hostname,
      agentPort: this.port,
      sandbox: directory,
      // A Docker task keeps its image's PATH and HOME.
      inherited: container?.type === 'DOCKER' || image ? {} : inheritedEnvironment(),
    });
    if (image) return { command, container, env, containment: { kind: 'image', image } };
    if (container?.type !== 'DOCKER') return { command, container, env, containment: { kind: 'mesos' } };
    // Persistent volumes are bind-mounted into the container (a relative path is under the sandbox).
    const volumes = volumeMounts(this.workDir, info.resources ?? []).mounts.map((m) => ({
      container_path: m.containerPath,
      host_path: m.hostPath,
      mode: m.mode,
    }));
    const docker: DockerLaunchSpec = {
      containerId,
      container:
        volumes.length > 0
          ? { ...container, volumes: [...(container.volumes ?? []), ...volumes] }
          : container,
      command,
      env,
      resources: info.resources ?? [],
      ...(info.limits ? { limits: info.limits } : {}),
      sandbox: directory,
      stdoutPath: `${directory}/stdout`,
      stderrPath: `${directory}/stderr`,
      agentId: this.agentId!,
      frameworkId: fw.id,
      executorId: executor.id,
      taskId: info.task_id.value,
    };
    return { command, container, env, containment: { kind: 'docker', spec: docker } };
  }

  private async fetch(
    uris: CommandURI[],
    sandboxDir: string,
    user: string,
    signal: AbortSignal,
  ): Promise<void> {
    const fetcher = this.options.fetcher;
    await fetchUris(uris, {
      sandboxDir,
      cacheDir: fetcher?.cacheDir ?? `${this.workDir}/fetch-cache`,
      log: this.log,
      user,
      signal,
      ...(fetcher ? { cacheSizeBytes: fetcher.cacheSizeBytes, stallTimeoutMs: fetcher.stallTimeoutMs } : {}),
    });
  }

  private diskQuotaOf(info: TaskInfo): { diskQuota?: { quotaMb: number; intervalMs: number } } {
    const quota = this.options.diskQuota;
    const quotaMb = scalarOf(info.resources ?? [], 'disk');
    if (!quota?.enforce || quotaMb <= 0) return {};
    return { diskQuota: { quotaMb, intervalMs: quota.watchIntervalMs } };
  }

  private async prepareSandbox(executor: AgentExecutor, directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    if (directory === executor.directory) {
      const latest = `${executor.directory}/../latest`;
      await rm(latest, { force: true }).catch(() => undefined);
      await symlink(executor.containerId, latest).catch(() => undefined);
    }
  }

  /** Turns a runner's report into a reliable status update. */
  private report(task: AgentTask, r: StatusReport): void {
    const status: TaskStatus = {
      task_id: task.info.task_id,
      state: r.state,
      source: r.source,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.message ? { message: r.message } : {}),
      agent_id: { value: this.agentId! },
      executor_id: { value: task.executorId },
      timestamp: this.now(),
      uuid: newStatusUuid(),
      ...(r.container_status ? { container_status: r.container_status } : {}),
      ...(r.limitation ? { limitation: r.limitation } : {}),
      ...(r.healthy !== undefined ? { healthy: r.healthy } : {}),
    };
    task.state = r.state;
    task.statuses.push(status);
    if (task.checkpointDir) this.meta.appendUpdate(task.checkpointDir, { update: status });
    this.count('valid_status_updates');
    if (isTerminalState(r.state)) this.count(`tasks_${r.state.slice(5).toLowerCase()}`);
    if (r.reason === 'REASON_CONTAINER_LAUNCH_FAILED') this.count('container_launch_errors');
    if (!this.shuttingDown.has(task.frameworkId)) this.updates.update(task.frameworkId, status);
  }

  private taskTerminated(fw: AgentFramework, executor: AgentExecutor, task: AgentTask): void {
    // A task group fails as a whole: the default executor kills the rest when one task does not finish.
    if (executor.kind === 'default' && task.state !== 'TASK_FINISHED') {
      for (const other of executor.tasks.values()) {
        if (other !== task && !isTerminalState(other.state))
          this.killTask(fw.id, other.info.task_id.value, undefined);
      }
    }
    const active = [...executor.tasks.values()].some((t) => !isTerminalState(t.state));
    if (!active) this.executorTerminated(fw, executor);
  }

  private executorTerminated(fw: AgentFramework, executor: AgentExecutor): void {
    if (!fw.executors.has(executor.id)) return;
    fw.executors.delete(executor.id);
    fw.completedExecutors.push(executor);
    const max = this.options.maxCompletedExecutorsPerFramework ?? 150;
    // A finished executor's sandbox stays browsable until it falls out of the completed list.
    while (fw.completedExecutors.length > max) {
      const old = fw.completedExecutors.shift()!;
      this.options.files.detachSandbox(fw.id, old.id, old.directory);
    }
    this.link.send({ type: 'EXITED_EXECUTOR', framework_id: fw.id, executor_id: executor.id, status: 0 });
    this.completeFrameworkIfDone(fw);
  }

  // ---------------------------------------------------------------- kill, ack, shutdown

  private findTask(frameworkId: string, taskId: string): { executor: AgentExecutor; task: AgentTask } | null {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return null;
    for (const executor of fw.executors.values()) {
      const task = executor.tasks.get(taskId);
      if (task) return { executor, task };
    }
    return null;
  }

  private killTask(frameworkId: string, taskId: string, graceMs: number | undefined): void {
    const runner = this.runners.get(runnerKey(frameworkId, taskId));
    if (runner) {
      runner.kill(graceMs);
      return;
    }
    const found = this.findTask(frameworkId, taskId);
    if (found && isTerminalState(found.task.state)) return;
    // Unknown here: tell the framework it is lost, as the agent does for a kill of an unknown task.
    const status: TaskStatus = {
      task_id: { value: taskId },
      state: 'TASK_LOST',
      source: 'SOURCE_AGENT',
      reason: 'REASON_TASK_UNKNOWN',
      message: 'Cannot find task to kill',
      agent_id: { value: this.agentId ?? '' },
      timestamp: this.now(),
      uuid: newStatusUuid(),
    };
    this.updates.update(frameworkId, status);
  }

  private acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const matched = this.updates.acknowledge(frameworkId, taskId, uuid);
    const found = this.findTask(frameworkId, taskId);
    if (matched && found?.task.checkpointDir) this.meta.appendUpdate(found.task.checkpointDir, { ack: uuid });
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    // Completed tasks are moved out once their terminal update has been acknowledged.
    const executors = found ? [found.executor] : [...fw.executors.values(), ...fw.completedExecutors];
    for (const executor of executors) {
      const task = executor.tasks.get(taskId);
      if (task && isTerminalState(task.state) && this.updates.drained(frameworkId, taskId)) {
        executor.tasks.delete(taskId);
        executor.completedTasks.push(task);
        this.updates.remove(frameworkId, taskId);
      }
    }
  }

  private shutdownExecutor(frameworkId: string, executorId: string): void {
    const executor = this.frameworks.get(frameworkId)?.executors.get(executorId);
    if (!executor) return;
    for (const t of executor.tasks.values()) this.killTask(frameworkId, t.info.task_id.value, undefined);
  }

  private shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.log.info('Shutting down framework', { framework: frameworkId });
    // The master has removed the framework: nobody will acknowledge its updates any more.
    this.shuttingDown.add(frameworkId);
    for (const executor of fw.executors.values()) {
      for (const t of executor.tasks.values()) {
        this.updates.remove(frameworkId, t.info.task_id.value);
        if (!isTerminalState(t.state)) this.killTask(frameworkId, t.info.task_id.value, undefined);
      }
    }
    this.completeFrameworkIfDone(fw);
  }

  /** A shut-down framework is forgotten once its last executor has terminated. */
  private completeFrameworkIfDone(fw: AgentFramework): void {
    if (!this.shuttingDown.has(fw.id) || fw.executors.size > 0) return;
    this.shuttingDown.delete(fw.id);
    this.frameworks.delete(fw.id);
    if (fw.info.checkpoint && this.agentId) this.meta.removeFramework(this.agentId, fw.id);
    this.completedFrameworks.push(fw);
    while (this.completedFrameworks.length > 50) this.completedFrameworks.shift();
  }
}

const runnerKey = (frameworkId: string, taskId: string): string => `${frameworkId}\u0000${taskId}`;

const executorRecord = (e: AgentExecutor): ExecutorRecord => ({
  info: e.info,
  kind: e.kind,
  role: e.role,
  containerId: e.containerId,
  directory: e.directory,
});

function roleOf(resources: readonly Resource[], info: FrameworkInfo): string {
  return (
    resources.find((r) => r.allocation_info?.role)?.allocation_info?.role ??
    info.roles?.[0] ??
    info.role ??
    '*'
  );
}
