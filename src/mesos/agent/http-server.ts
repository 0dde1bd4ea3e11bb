// The agent's HTTP server: the v0 read-only endpoints (src/slave/http.cpp), /metrics/snapshot,
// /version, /files/* and the executor API hand-off. Agent endpoints answer both at
// /slave(1)/<name> (the libprocess process id) and at /<name> (the agent is the delegate process);
// /files, /metrics and /version belong to other processes and exist at the root only, as in Mesos.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isTerminalState } from '../protocol/types.js';
import { HttpError, queryOf, sendError, sendJson, sendText } from '../../util/http.js';
import type { Logger } from '../../util/log.js';
import type { ContainerStatistics } from './containerizer/launcher.js';
import { handleFilesRequest, type FilesService } from './files.js';
import { renderAgentMetrics } from './metrics.js';
import type { AgentExecutor, AgentFramework, AgentView } from './model.js';
import { renderAgentFlags, renderAgentState, renderAgentVersion } from './state-json.js';

export interface AgentServerHooks {
  /** POST /api/v1/executor (and /slave(1)/api/v1/executor); 501 when absent. */
  onExecutorApi?: (req: IncomingMessage, res: ServerResponse) => void;
  /** POST /api/v1 (the v1 agent operator API); 501 when absent. */
  onOperatorApi?: (req: IncomingMessage, res: ServerResponse) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void | Promise<void>;

/** A running executor's container, as /containers and /monitor/statistics list them. */
interface ContainerEntry {
  framework: AgentFramework;
  executor: AgentExecutor;
}

const SLAVE_PREFIX = /^\/slave(?:\(1\)|%281%29)(?=\/|$)/i;

export function createAgentServer(
  view: AgentView,
  files: FilesService,
  hooks: AgentServerHooks,
  log: Logger,
): Server {
  const hook =
    (name: string, fn: AgentServerHooks['onExecutorApi']): Handler =>
    (req, res) => {
      if (!fn) throw new HttpError(501, `${name} is not supported by this agent`);
      // Typed as returning void, but an async hook's rejection must still reach the error handler.
      const result: unknown = fn(req, res);
      return result instanceof Promise ? (result as Promise<void>) : undefined;
    };

  // Routes of the agent process: also reachable under /slave(1).
  const agentRoutes = new Map<string, Handler>([
    ['/state', (_req, res, q) => sendJson(res, 200, renderAgentState(view), q)],
    // Pre-1.0 name of /state that old tools and UIs still request.
    ['/state.json', (_req, res, q) => sendJson(res, 200, renderAgentState(view), q)],
    ['/flags', (_req, res, q) => sendJson(res, 200, renderAgentFlags(view), q)],
    ['/health', (_req, res) => sendText(res, 200, '')],
    ['/containers', async (_req, res, q) => sendJson(res, 200, await renderContainers(view, q), q)],
    ['/monitor/statistics', async (_req, res, q) => sendJson(res, 200, await renderStatistics(view), q)],
    ['/monitor/statistics.json', async (_req, res, q) => sendJson(res, 200, await renderStatistics(view), q)],
    ['/api/v1/executor', hook('The executor API', hooks.onExecutorApi)],
    ['/api/v1', hook('The agent operator API', hooks.onOperatorApi)],
  ]);
  const rootRoutes = new Map<string, Handler>([
    ['/version', (_req, res, q) => sendJson(res, 200, renderAgentVersion(), q)],
    ['/metrics/snapshot', (_req, res, q) => sendJson(res, 200, renderAgentMetrics(view), q)],
  ]);

  return createServer((req, res) => {
    const { path, query } = queryOf(req);
    const prefixed = SLAVE_PREFIX.test(path);
    const name = prefixed ? path.replace(SLAVE_PREFIX, '') || '/' : path;
    let handler = agentRoutes.get(name) ?? (prefixed ? undefined : rootRoutes.get(name));
    if (!handler && !prefixed && name.startsWith('/files/')) {
      handler = (request, response, q) => handleFilesRequest(files, request, response, name, q);
    }
    if (!handler) {
      sendText(res, 404, '');
      return;
    }
    const fail = (err: unknown): void => {
      if (!(err instanceof HttpError)) log.error('Request failed', { path, error: (err as Error).message });
      sendError(res, err);
    };
    try {
      Promise.resolve(handler(req, res, query)).catch(fail);
    } catch (err) {
      fail(err);
    }
  });
}

function runningContainers(view: AgentView): ContainerEntry[] {
  const out: ContainerEntry[] = [];
  for (const framework of view.frameworks.values()) {
    for (const executor of framework.executors.values()) out.push({ framework, executor });
  }
  return out;
}

/**
 * An executor container's statistics. Task-group tasks run in nested containers, which the
 * containerizer may not report under the executor's id; then their figures are summed, as the
 * executor's cgroup would account them.
 */
async function executorStatistics(
  view: AgentView,
  executor: AgentExecutor,
): Promise<ContainerStatistics | null> {
  const own = await view.containerStatistics(executor.containerId).catch(() => null);
  if (own) return own;
  const nested = await Promise.all(
    [...executor.tasks.values()]
      .filter((t) => t.container && !isTerminalState(t.state))
      .map((t) => t.container!.statistics().catch(() => null)),
  );
  const parts = nested.filter((s): s is ContainerStatistics => s !== null);
  if (parts.length === 0) return null;
  const sum: ContainerStatistics = { mem_limit_bytes: 0, cpus_limit: 0 };
  const acc = sum as unknown as Record<string, number>;
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (typeof value === 'number') acc[key] = (acc[key] ?? 0) + value;
    }
  }
  return sum;
}

function statisticsJson(view: AgentView, stats: ContainerStatistics): Record<string, unknown> {
  // ResourceStatistics.timestamp is required: when the sample was taken, in epoch seconds.
  return { timestamp: view.now(), ...stats };
}

function executorPid(executor: AgentExecutor): number | undefined {
  for (const task of executor.tasks.values()) {
    if (task.container && !isTerminalState(task.state)) return task.container.pid;
  }
  return undefined;
}

/** /containers (Http::_containers): filters by container_id, framework_id, or both ids. */
async function renderContainers(view: AgentView, query: URLSearchParams): Promise<unknown[]> {
  const containerId = query.get('container_id');
  const frameworkId = query.get('framework_id');
  const executorId = query.get('executor_id');
  if (
    (containerId !== null && (executorId !== null || frameworkId !== null)) ||
    (containerId === null && executorId !== null && frameworkId === null)
  ) {
    throw new HttpError(
      400,
      'Supported query parameters are container_id only, framework_id only, or executor_id and framework_id only',
    );
  }
  const selected = runningContainers(view).filter(
    ({ framework, executor }) =>
      (containerId === null || executor.containerId === containerId) &&
      (frameworkId === null || framework.id === frameworkId) &&
      (executorId === null || executor.id === executorId),
  );
  return Promise.all(
    selected.map(async ({ framework, executor }) => {
      const stats = await executorStatistics(view, executor);
      const pid = executorPid(executor);
      const entry: Record<string, unknown> = {
        framework_id: framework.id,
        executor_id: executor.id,
        executor_name: executor.info.name ?? '',
        source: executor.info.source ?? '',
        container_id: executor.containerId,
        status: {
          container_id: { value: executor.containerId },
          ...(pid !== undefined ? { executor_pid: pid } : {}),
        },
      };
      // Mesos leaves `statistics` out when the containerizer could not sample the container.
      if (stats) entry['statistics'] = statisticsJson(view, stats);
      return entry;
    }),
  );
}

/** /monitor/statistics (Http::_statistics): only executors that could be sampled. */
async function renderStatistics(view: AgentView): Promise<unknown[]> {
  const entries = await Promise.all(
    runningContainers(view).map(async ({ framework, executor }) => {
      const stats = await executorStatistics(view, executor);
      if (!stats) return null;
      return {
        framework_id: framework.id,
        executor_id: executor.id,
        executor_name: executor.info.name ?? '',
        source: executor.info.source ?? '',
        statistics: statisticsJson(view, stats),
      };
    }),
  );
  return entries.filter((e) => e !== null);
}
