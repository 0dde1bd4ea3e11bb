// JSON of Marathon's REST answers, built from the service's state: AppInfo (the definition plus the
// embedded counts, tasks, deployments, ...), Task, nested groups, deployments, the launch queue and
// /v2/info. Only keys the strict Python models accept (reference §5.2) are emitted.
import { isTerminalState } from '../../mesos/protocol/index.js';
import { affectedApps, describePlanSteps } from '../deployment/plan.js';
import { servicePortsOf } from '../model/app-validation.js';
import { parentOf, safeId } from '../model/path-id.js';
import { renderAppDefinition } from '../model/render-app.js';
import type {
  AppDefinition,
  DeploymentPlan,
  Instance,
  RootGroup,
  TaskFailure,
  Timestamp,
} from '../model/types.js';
import type {
  DeploymentStatus,
  MarathonInfoView,
  MarathonService,
  QueueEntry,
  ReadinessCheckResult,
} from '../service.js';
import type { ApiResponse, AppEmbed, GroupEmbed } from './request.js';

export type Json = Record<string, unknown>;

/** The Marathon release whose API this server speaks. */
export const MARATHON_VERSION = '1.10.26';

export function renderDeploymentResult(plan: DeploymentPlan): { deploymentId: string; version: Timestamp } {
  return { deploymentId: plan.id, version: plan.version };
}

// ---- tasks ----

function isActive(instance: Instance): boolean {
  return !isTerminalState(instance.state);
}

/** Task JSON (TaskConversion): a terminal task has no ports, timestamps or version any more. */
export function renderTask(instance: Instance, app: AppDefinition | undefined): Json {
  const active = isActive(instance);
  const task: Json = {
    id: instance.taskId,
    appId: instance.appId,
    host: instance.host,
    ports: active ? instance.hostPorts : [],
    servicePorts: app ? servicePortsOf(app) : [],
    slaveId: instance.agentId,
    state: instance.state,
    ipAddresses: instance.ipAddresses,
    localVolumes: [],
    healthCheckResults: instance.healthResults.map((h) => ({
      alive: h.alive,
      consecutiveFailures: h.consecutiveFailures,
      firstSuccess: h.firstSuccess,
      lastSuccess: h.lastSuccess,
      lastFailure: h.lastFailure,
      lastFailureCause: h.lastFailureCause,
      instanceId: instance.instanceId,
    })),
  };
  if (active) {
    task.stagedAt = instance.stagedAt;
    if (instance.startedAt !== null) task.startedAt = instance.startedAt;
    task.version = instance.appVersion;
  }
  if (instance.region !== undefined) task.region = instance.region;
  if (instance.zone !== undefined) task.zone = instance.zone;
  if (app) task.role = app.role;
  return task;
}

export function renderTaskFailure(failure: TaskFailure): Json {
  return {
    appId: failure.appId,
    host: failure.host,
    message: failure.message,
    state: failure.state,
    taskId: failure.taskId,
    instanceId: failure.instanceId,
    slaveId: failure.slaveId,
    timestamp: failure.timestamp,
    version: failure.version,
  };
}

interface TaskCounts {
  staged: number;
  running: number;
  healthy: number;
  unhealthy: number;
}

/** Healthy: has health results and all are alive; unhealthy: one is not. Neither without results. */
function countTasks(instances: readonly Instance[]): TaskCounts {
  const counts = { staged: 0, running: 0, healthy: 0, unhealthy: 0 };
  for (const i of instances) {
    if (i.state === 'TASK_STAGING') counts.staged++;
    if (i.state === 'TASK_RUNNING') counts.running++;
    if (i.healthResults.length > 0 && i.healthResults.every((h) => h.alive)) counts.healthy++;
    if (i.healthResults.some((h) => !h.alive)) counts.unhealthy++;
  }
  return counts;
}

/** TaskStatsByVersion: counts and life times of all tasks, and of those newer/older than the app's changes. */
function renderTaskStats(app: AppDefinition, instances: readonly Instance[], now: number): Json {
  const stats = (subset: readonly Instance[]): Json | undefined => {
    if (subset.length === 0) return undefined;
    const lifeTimes = subset
      .filter((i) => i.startedAt !== null)
      .map((i) => (now - Date.parse(i.startedAt!)) / 1000)
      .sort((a, b) => a - b);
    const result: Json = { counts: countTasks(subset) };
    if (lifeTimes.length > 0) {
      result.lifeTime = {
        averageSeconds: lifeTimes.reduce((a, b) => a + b, 0) / lifeTimes.length,
        medianSeconds: lifeTimes[Math.floor(lifeTimes.length / 2)],
      };
    }
    return { stats: result };
  };
  const { lastScalingAt, lastConfigChangeAt } = app.versionInfo;
  const out: Json = {};
  const entries: Array<[string, Json | undefined]> = [
    ['startedAfterLastScaling', stats(instances.filter((i) => i.appVersion >= lastScalingAt))],
    ['withLatestConfig', stats(instances.filter((i) => i.appVersion >= lastConfigChangeAt))],
    ['withOutdatedConfig', stats(instances.filter((i) => i.appVersion < lastConfigChangeAt))],
    ['totalSummary', stats(instances)],
  ];
  for (const [key, value] of entries) if (value) out[key] = value;
  return out;
}

/** A lookup of instances by app id. */
export function instancesByApp(instances: readonly Instance[]): (appId: string) => Instance[] {
  const byApp = new Map<string, Instance[]>();
  for (const instance of instances) {
    const list = byApp.get(instance.appId);
    if (list) list.push(instance);
    else byApp.set(instance.appId, [instance]);
  }
  return (appId) => byApp.get(appId) ?? [];
}

// ---- apps and groups ----

/**
 * Renders AppInfos and groups for one request, reading the service's deployments and instances once
 * (AppInfoBaseData does the same per request).
 */
export class InfoRenderer {
  private deploymentsByApp?: Map<string, string[]>;
  private readinessByApp?: Map<string, ReadinessCheckResult[]>;
  private instancesByApp?: (appId: string) => Instance[];

  constructor(private readonly service: MarathonService) {}

  appInfo(app: AppDefinition, embeds: ReadonlySet<AppEmbed>): Json {
    const info: Json = { ...renderAppDefinition(app) };
    if (embeds.size === 0) return info;
    const instances = this.instancesOf(app.id);
    if (embeds.has('counts')) {
      const counts = countTasks(instances);
      info.tasksStaged = counts.staged;
      info.tasksRunning = counts.running;
      info.tasksHealthy = counts.healthy;
      info.tasksUnhealthy = counts.unhealthy;
    }
    if (embeds.has('deployments')) info.deployments = this.deploymentIdsOf(app.id).map((id) => ({ id }));
    if (embeds.has('readiness')) info.readinessCheckResults = this.readinessOf(app.id);
    if (embeds.has('tasks')) info.tasks = instances.map((i) => renderTask(i, app));
    if (embeds.has('lastTaskFailure')) {
      const failure = this.service.lastTaskFailure(app.id);
      if (failure) info.lastTaskFailure = renderTaskFailure(failure);
    }
    if (embeds.has('taskStats')) info.taskStats = renderTaskStats(app, instances, this.service.now());
    return info;
  }

  /** The nested group JSON of `groupId` in the flat `root`, apps as AppInfos with `appEmbeds`. */
  group(
    root: RootGroup,
    groupId: string,
    appEmbeds: ReadonlySet<AppEmbed>,
    embeds: ReadonlySet<GroupEmbed>,
  ): Json {
    return renderGroupTree(root, groupId, (app) => this.appInfo(app, appEmbeds), embeds);
  }

  private instancesOf(appId: string): Instance[] {
    this.instancesByApp ??= instancesByApp(this.service.instances());
    return this.instancesByApp(appId);
  }

  private deploymentIdsOf(appId: string): string[] {
    if (!this.deploymentsByApp) {
      this.deploymentsByApp = new Map();
      for (const { plan } of this.service.deployments()) {
        for (const id of affectedApps(plan)) {
          this.deploymentsByApp.set(id, [...(this.deploymentsByApp.get(id) ?? []), plan.id]);
        }
      }
    }
    return this.deploymentsByApp.get(appId) ?? [];
  }

  private readinessOf(appId: string): ReadinessCheckResult[] {
    if (!this.readinessByApp) {
      this.readinessByApp = new Map();
      for (const status of this.service.deployments()) {
        for (const action of status.currentActions) {
          const list = this.readinessByApp.get(action.app) ?? [];
          list.push(...action.readinessCheckResults);
          this.readinessByApp.set(action.app, list);
        }
      }
    }
    return this.readinessByApp.get(appId) ?? [];
  }
}

const ALL_GROUP_PARTS: ReadonlySet<GroupEmbed> = new Set<GroupEmbed>(['apps', 'groups', 'pods']);

/**
 * A group of the flat RootGroup as Marathon's nested group JSON, `{id, apps, groups, pods,
 * dependencies, version}` (the only keys the strict Python group model takes); `embeds` says which of
 * apps/groups are filled in (empty arrays otherwise), children sorted by id.
 */
export function renderGroupTree(
  root: RootGroup,
  groupId: string,
  renderApp: (app: AppDefinition) => Json,
  embeds: ReadonlySet<GroupEmbed> = ALL_GROUP_PARTS,
): Json {
  const childGroups = new Map<string, string[]>();
  const childApps = new Map<string, AppDefinition[]>();
  for (const id of Object.keys(root.groups).sort()) {
    if (id === '/') continue;
    const parent = parentOf(id);
    childGroups.set(parent, [...(childGroups.get(parent) ?? []), id]);
  }
  for (const id of Object.keys(root.apps).sort()) {
    const parent = parentOf(id);
    childApps.set(parent, [...(childApps.get(parent) ?? []), root.apps[id]!]);
  }
  const render = (id: string): Json => {
    const meta = root.groups[id];
    return {
      id,
      apps: embeds.has('apps') ? (childApps.get(id) ?? []).map(renderApp) : [],
      groups: embeds.has('groups') ? (childGroups.get(id) ?? []).map(render) : [],
      pods: [],
      dependencies: meta?.dependencies ?? [],
      version: meta?.version ?? root.version,
    };
  };
  return render(groupId);
}

// ---- deployments, queue, info ----

/**
 * The `plan` of deployment events in the 1.4-1.6 full form, `{id, original, target, steps, version}`
 * with both roots as nested groups: the strict Python event model requires original and target.
 */
export function renderDeploymentPlanEvent(plan: DeploymentPlan): Json {
  return {
    id: plan.id,
    original: renderGroupTree(plan.original, '/', renderAppDefinition),
    target: renderGroupTree(plan.target, '/', renderAppDefinition),
    steps: describePlanSteps(plan),
    version: plan.version,
  };
}

/** DeploymentStepInfo JSON of GET /v2/deployments. */
export function renderDeployment(status: DeploymentStatus): Json {
  const { plan } = status;
  return {
    id: plan.id,
    version: plan.version,
    affectedApps: affectedApps(plan),
    affectedPods: [],
    steps: describePlanSteps(plan),
    currentActions: status.currentActions.map((a) => ({
      action: a.action,
      app: a.app,
      readinessCheckResults: a.readinessCheckResults,
    })),
    currentStep: status.currentStep,
    totalSteps: plan.steps.length,
  };
}

/** GET /v2/queue. No `role` key (1.9+ has one; the Python model rejects it). */
export function renderQueue(entries: readonly QueueEntry[], embedLastUnusedOffers: boolean): Json {
  return {
    queue: entries.map((entry) => {
      const item: Json = {
        count: entry.count,
        delay: entry.delay,
        since: entry.since,
        processedOffersSummary: entry.processedOffersSummary,
      };
      if (embedLastUnusedOffers) item.lastUnusedOffers = entry.lastUnusedOffers;
      item.app = renderAppDefinition(entry.app);
      return item;
    }),
  };
}

export function renderInfo(view: MarathonInfoView): Json {
  return {
    name: 'marathon',
    version: MARATHON_VERSION,
    buildref: 'mesos-sandbox',
    elected: view.elected,
    leader: view.leader,
    frameworkId: view.frameworkId,
    marathon_config: view.marathonConfig,
    zookeeper_config: view.zookeeperConfig,
    http_config: { http_port: view.httpPort, https_port: 8443 },
  };
}

/**
 * The text/plain task list (EndpointsHelper.appsToEndpointString): per app and service port a line
 * `<safe app id>\t<service port>\t<host>:<host port>\t...`, running tasks only; an app without
 * service ports gets one line `<safe app id>\t \t<host>\t...`.
 */
export function renderTasksAsText(
  apps: readonly AppDefinition[],
  instancesOf: (appId: string) => Instance[],
): string {
  let out = '';
  for (const app of apps) {
    const running = instancesOf(app.id).filter((i) => i.state === 'TASK_RUNNING');
    const cleanId = safeId(app.id);
    const servicePorts = servicePortsOf(app);
    if (servicePorts.length === 0) {
      out += `${cleanId}\t \t${running.map((i) => `${i.host}\t`).join('')}\n`;
      continue;
    }
    const mappings = app.container?.portMappings;
    servicePorts.forEach((port, index) => {
      let hostPortIndex: number | undefined = index;
      if (mappings && !app.networks.some((n) => n.mode === 'host')) {
        // Only mappings with a host port have one in the task: count those before this one.
        hostPortIndex =
          mappings[index]?.hostPort === undefined
            ? undefined
            : mappings.slice(0, index).filter((m) => m.hostPort !== undefined).length;
      }
      const endpoints =
        hostPortIndex === undefined
          ? ''
          : running
              .filter((i) => i.hostPorts[hostPortIndex] !== undefined)
              .map((i) => `${i.host}:${i.hostPorts[hostPortIndex]}\t`)
              .join('');
      out += `${cleanId}\t${port}\t${endpoints}\n`;
    });
  }
  return out;
}

/** 200 (or 201) with the DeploymentResult body and the Marathon-Deployment-Id header. */
export function deploymentResponse(
  plan: DeploymentPlan,
  status = 200,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    status,
    body: renderDeploymentResult(plan),
    headers: { ...headers, 'Marathon-Deployment-Id': plan.id },
  };
}
