// The Mesos master's operator API, typed: the v0 read-only endpoints (/master/state, /slaves, ...)
// and the v1 `POST /api/v1` GET_* calls, plus subscribe() for a framework harness. Requests go to
// the leading master (a non-leading one redirects, which the HTTP helper follows).
import type {
  V1GetAgents,
  V1GetExecutors,
  V1GetFrameworks,
  V1GetState,
  V1GetTasks,
} from '../../mesos/master/operator-api.js';
import type { V0Framework, V0Slave, V0SlaveFull, V0State, V0Task } from '../../mesos/master/state-json.js';
import type { MasterInfo } from '../../mesos/protocol/types.js';
import { JsonApi } from '../http.js';
import { SchedulerSession, type SubscribeOptions } from './scheduler-session.js';

export type {
  V0Framework,
  V0Slave,
  V0SlaveFull,
  V0State,
  V0Task,
  V1GetAgents,
  V1GetExecutors,
  V1GetFrameworks,
  V1GetState,
  V1GetTasks,
};

export interface V0Frameworks {
  frameworks: V0Framework[];
  completed_frameworks: V0Framework[];
  unregistered_frameworks: string[];
}

export interface V0Tasks {
  tasks: V0Task[];
}

export interface MasterHealth {
  healthy: boolean;
}

export interface MasterVersion {
  version_info: { version: string; build_date?: string; build_time?: number; build_user?: string };
}

export interface MesosClientOptions {
  /** The leading master's URL (http://host:port), read at each call so that a failover is followed. */
  master: string | (() => string);
  /** What SchedulerClient subscribes through: a master URL or the cluster's zk:// URL. */
  mesos: string;
}

export class MesosClient {
  private readonly api: JsonApi;

  constructor(private readonly opts: MesosClientOptions) {
    this.api = new JsonApi(opts.master);
  }

  get url(): string {
    return this.api.baseUrl;
  }

  state(): Promise<V0State> {
    return this.api.get('/master/state');
  }

  /** Agents with their full resources (/master/slaves). */
  async agents(): Promise<V0SlaveFull[]> {
    return (await this.api.get<{ slaves: V0SlaveFull[] }>('/master/slaves')).slaves;
  }

  frameworks(): Promise<V0Frameworks> {
    return this.api.get('/master/frameworks');
  }

  /** Tasks of every framework (/master/tasks pages; `limit` defaults to the master's 100). */
  async tasks(query: { limit?: number; offset?: number; order?: 'asc' | 'desc' } = {}): Promise<V0Task[]> {
    return (await this.api.get<V0Tasks>('/master/tasks', query)).tasks;
  }

  metrics(): Promise<Record<string, number>> {
    return this.api.get('/metrics/snapshot');
  }

  /** One v1 operator call (`POST /api/v1`); the answer is the call's result object. */
  call<T = unknown>(call: { type: string } & Record<string, unknown>): Promise<T> {
    return this.api.post<T>('/api/v1', call);
  }

  async getState(): Promise<V1GetState> {
    return (await this.call<{ get_state: V1GetState }>({ type: 'GET_STATE' })).get_state;
  }

  async getAgents(): Promise<V1GetAgents> {
    return (await this.call<{ get_agents: V1GetAgents }>({ type: 'GET_AGENTS' })).get_agents;
  }

  async getFrameworks(): Promise<V1GetFrameworks> {
    return (await this.call<{ get_frameworks: V1GetFrameworks }>({ type: 'GET_FRAMEWORKS' })).get_frameworks;
  }

  async getTasks(): Promise<V1GetTasks> {
    return (await this.call<{ get_tasks: V1GetTasks }>({ type: 'GET_TASKS' })).get_tasks;
  }

  async getExecutors(): Promise<V1GetExecutors> {
    return (await this.call<{ get_executors: V1GetExecutors }>({ type: 'GET_EXECUTORS' })).get_executors;
  }

  async getMaster(): Promise<MasterInfo> {
    return (await this.call<{ get_master: { master_info: MasterInfo } }>({ type: 'GET_MASTER' })).get_master
      .master_info;
  }

  async getHealth(): Promise<boolean> {
    return (await this.call<{ get_health: MasterHealth }>({ type: 'GET_HEALTH' })).get_health.healthy;
  }

  async getVersion(): Promise<MasterVersion['version_info']> {
    return (await this.call<{ get_version: MasterVersion }>({ type: 'GET_VERSION' })).get_version
      .version_info;
  }

  /** Subscribes a framework (v1 scheduler API) and returns its session. */
  subscribe(opts: SubscribeOptions): Promise<SchedulerSession> {
    return SchedulerSession.subscribe(this.opts.mesos, opts);
  }
}
