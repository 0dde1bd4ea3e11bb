// Marathon's REST API (/v2), typed as the JSON it sends (Marathon 1.10), with the waits a test
// needs: a deployment finished, an app running with n (healthy) instances.
import type { TaskState } from '../../mesos/protocol/types.js';
import { waitFor } from '../../util/wait.js';
import { HttpError, JsonApi } from '../http.js';

/** An app definition as POSTed: `id` and a command or container; everything else has defaults. */
export interface MarathonAppDefinition {
  id: string;
  cmd?: string;
  args?: string[];
  instances?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  constraints?: Array<[string, string] | [string, string, string]>;
  healthChecks?: Array<Record<string, unknown>>;
  portDefinitions?: Array<{ port: number; protocol?: string; name?: string }>;
  container?: Record<string, unknown>;
  dependencies?: string[];
  [field: string]: unknown;
}

export interface MarathonTask {
  id: string;
  appId: string;
  host: string;
  ports: number[];
  servicePorts: number[];
  slaveId: string;
  state: TaskState;
  stagedAt?: string;
  startedAt?: string;
  version?: string;
  healthCheckResults: Array<{ alive: boolean; consecutiveFailures: number; instanceId: string }>;
  ipAddresses: Array<{ ipAddress: string; protocol: string }>;
}

/** AppInfo: the definition plus the embedded counts and tasks (GET /v2/apps[/id] embeds them). */
export interface MarathonApp extends MarathonAppDefinition {
  instances: number;
  version: string;
  tasksStaged?: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: MarathonTask[];
  lastTaskFailure?: { message: string; state: TaskState; taskId: string; timestamp: string };
}

export interface DeploymentResult {
  deploymentId: string;
  version: string;
}

export interface MarathonDeployment {
  id: string;
  version: string;
  affectedApps: string[];
  steps: Array<{ actions: Array<{ action: string; app: string }> }>;
  currentActions: Array<{ action: string; app: string }>;
  currentStep: number;
  totalSteps: number;
}

export interface MarathonGroup {
  id: string;
  apps: MarathonApp[];
  groups: MarathonGroup[];
  dependencies: string[];
  version?: string;
}

export interface MarathonInfo {
  name: string;
  version: string;
  elected: boolean;
  leader: string | null;
  frameworkId: string | null;
  marathon_config: Record<string, unknown>;
  zookeeper_config: Record<string, unknown>;
  http_config: { http_port: number; https_port: number };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

const DEFAULT_WAIT_MS = 60_000;
const APP_EMBEDS = 'app.tasks,app.counts,app.deployments,app.lastTaskFailure';

/** `/a/b` or `a/b`, as the path segment after /v2/apps. */
const appPath = (id: string): string => `/v2/apps/${id.replace(/^\/+/, '')}`;

export class MarathonClient {
  private readonly api: JsonApi;

  constructor(base: string | (() => string)) {
    this.api = new JsonApi(base);
  }

  get url(): string {
    return this.api.baseUrl;
  }

  info(): Promise<MarathonInfo> {
    return this.api.get('/v2/info');
  }

  async leader(): Promise<string> {
    return (await this.api.get<{ leader: string }>('/v2/leader')).leader;
  }

  async listApps(query: { id?: string; label?: string; cmd?: string } = {}): Promise<MarathonApp[]> {
    return (await this.api.get<{ apps: MarathonApp[] }>('/v2/apps', { ...query, embed: APP_EMBEDS })).apps;
  }

  async getApp(id: string): Promise<MarathonApp> {
    return (await this.api.get<{ app: MarathonApp }>(appPath(id), { embed: APP_EMBEDS })).app;
  }

  /** The app, or null when Marathon does not know it (404). */
  async findApp(id: string): Promise<MarathonApp | null> {
    try {
      return await this.getApp(id);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return null;
      throw err;
    }
  }

  /** POST /v2/apps: answers the app with `deployments: [{ id }]`. */
  createApp(app: MarathonAppDefinition): Promise<MarathonApp> {
    return this.api.post('/v2/apps', app);
  }

  /** PUT /v2/apps/{id}: answers the deployment that rolls the change out. */
  updateApp(
    id: string,
    update: Partial<MarathonAppDefinition>,
    opts: { force?: boolean } = {},
  ): Promise<DeploymentResult> {
    return this.api.put<DeploymentResult>(appPath(id), update, opts.force ? { force: true } : undefined);
  }

  scaleApp(id: string, instances: number, opts: { force?: boolean } = {}): Promise<DeploymentResult> {
    return this.updateApp(id, { instances }, opts);
  }

  restartApp(id: string, opts: { force?: boolean } = {}): Promise<DeploymentResult> {
    return this.api.post(`${appPath(id)}/restart`, undefined, opts.force ? { force: true } : undefined);
  }

  deleteApp(id: string, opts: { force?: boolean } = {}): Promise<DeploymentResult> {
    return this.api.delete(appPath(id), opts.force ? { force: true } : undefined);
  }

  async appTasks(id: string): Promise<MarathonTask[]> {
    return (await this.api.get<{ tasks: MarathonTask[] }>(`${appPath(id)}/tasks`)).tasks;
  }

  /** Kills one task; with scale the app's instances go down by one instead of the task being replaced. */
  killTask(appId: string, taskId: string, opts: { scale?: boolean; wipe?: boolean } = {}): Promise<unknown> {
    return this.api.delete<unknown>(`${appPath(appId)}/tasks/${encodeURIComponent(taskId)}`, opts);
  }

  async tasks(status?: 'running' | 'staging'): Promise<MarathonTask[]> {
    return (await this.api.get<{ tasks: MarathonTask[] }>('/v2/tasks', status ? { status } : undefined))
      .tasks;
  }

  getGroup(id = '/'): Promise<MarathonGroup> {
    return this.api.get(`/v2/groups/${id.replace(/^\/+/, '')}`, { embed: 'group.apps' });
  }

  /** POST /v2/groups: creates the group with its apps and subgroups. */
  createGroup(group: {
    id: string;
    apps?: MarathonAppDefinition[];
    groups?: unknown[];
  }): Promise<DeploymentResult> {
    return this.api.post<DeploymentResult>('/v2/groups', group);
  }

  updateGroup(
    id: string,
    group: Record<string, unknown>,
    opts: { force?: boolean } = {},
  ): Promise<DeploymentResult> {
    const query = opts.force ? { force: true } : undefined;
    return this.api.put<DeploymentResult>(`/v2/groups/${id.replace(/^\/+/, '')}`, group, query);
  }

  deleteGroup(id: string, opts: { force?: boolean } = {}): Promise<DeploymentResult> {
    const query = opts.force ? { force: true } : undefined;
    return this.api.delete(`/v2/groups/${id.replace(/^\/+/, '')}`, query);
  }

  deployments(): Promise<MarathonDeployment[]> {
    return this.api.get('/v2/deployments');
  }

  cancelDeployment(id: string, opts: { force?: boolean } = {}): Promise<unknown> {
    return this.api.delete(`/v2/deployments/${id}`, opts.force ? { force: true } : undefined);
  }

  /** Resolves once the deployment is no longer listed (it finished or was cancelled). */
  async waitForDeployment(deploymentId: string, opts: WaitOptions = {}): Promise<void> {
    await waitFor(async () => !(await this.deployments()).some((d) => d.id === deploymentId), {
      timeoutMs: opts.timeoutMs ?? DEFAULT_WAIT_MS,
      intervalMs: opts.intervalMs ?? 100,
      description: `Marathon deployment ${deploymentId} to finish`,
    });
  }

  /**
   * Resolves with the app once it has no deployment and `instances` running tasks (the app's own
   * instance count when omitted), all healthy when `healthy` is set. The timeout error shows the
   * last state seen.
   */
  async waitForApp(
    id: string,
    opts: WaitOptions & { instances?: number; healthy?: boolean } = {},
  ): Promise<MarathonApp> {
    // Written by the polling closure; a holder, since TypeScript does not see closures assign.
    const last: { app: MarathonApp | null } = { app: null };
    try {
      return await waitFor(
        async () => {
          const app = await this.findApp(id);
          last.app = app;
          if (!app) return null;
          const want = opts.instances ?? app.instances;
          const done =
            (app.deployments ?? []).length === 0 &&
            app.tasksRunning === want &&
            (!opts.healthy || app.tasksHealthy === want);
          return done ? app : null;
        },
        {
          timeoutMs: opts.timeoutMs ?? DEFAULT_WAIT_MS,
          intervalMs: opts.intervalMs ?? 200,
          description: `app ${id} to run`,
        },
      );
    } catch (err) {
      const seen = describeApp(last.app);
      throw new Error(`${(err as Error).message}; last seen: ${seen}`, { cause: err });
    }
  }

  /** Creates the app and waits for its deployment (and so its instances) to finish. */
  async deployApp(
    app: MarathonAppDefinition,
    opts: WaitOptions & { healthy?: boolean } = {},
  ): Promise<MarathonApp> {
    await this.createApp(app);
    return this.waitForApp(app.id, opts);
  }
}

function describeApp(app: MarathonApp | null): string {
  if (!app) return 'no such app';
  const failure = app.lastTaskFailure ? `, last failure: ${app.lastTaskFailure.message}` : '';
  return (
    `instances=${app.instances} running=${app.tasksRunning ?? '?'} healthy=${app.tasksHealthy ?? '?'} ` +
    `staged=${app.tasksStaged ?? '?'} deployments=${(app.deployments ?? []).length}${failure}`
  );
}
