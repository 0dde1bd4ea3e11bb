// The master's HTTP server: routes, the leader redirect, and the thin shells of the operator API
// and the agent link. Every master endpoint answers both at /<name> and /master/<name>.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  AGENT_CALL_PATH,
  AGENT_ID_HEADER,
  AGENT_SUBSCRIBE_PATH,
  type AgentCall,
  type AgentSubscribe,
} from '../protocol/agent-protocol.js';
import {
  HttpError,
  RecordIOStream,
  queryOf,
  readBody,
  sendError,
  sendJson,
  sendText,
} from '../../util/http.js';
import type { Logger } from '../../util/log.js';
import type { AgentLink, Master } from './master.js';
import { renderMasterMetrics } from './metrics.js';
import { handleOperatorCall } from './operator-api.js';
import { acceptsJson, handleSchedulerRequest, parseJsonCall } from './scheduler-api.js';
import {
  renderFrameworks,
  renderRoles,
  renderSlaves,
  renderState,
  renderStateSummary,
  renderTasks,
  renderVersion,
} from './state-json.js';

type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void | Promise<void>;

/** Endpoints only the leader answers; others redirect there (307) or say no leader (503). */
const LEADER_ONLY = new Set([
  '/api/v1/scheduler',
  '/api/v1',
  '/state',
  '/state-summary',
  '/frameworks',
  '/slaves',
  '/tasks',
  '/roles',
  '/internal/agent/subscribe',
  '/internal/agent/call',
]);

export function createMasterServer(master: Master, log: Logger): Server {
  const routes = new Map<string, Handler>([
    ['/api/v1/scheduler', (req, res) => handleSchedulerRequest(master, req, res)],
    ['/api/v1', (req, res) => handleOperatorRequest(master, req, res)],
    ['/state', (_req, res, q) => sendJson(res, 200, renderState(master), q)],
    ['/state-summary', (_req, res, q) => sendJson(res, 200, renderStateSummary(master), q)],
    ['/frameworks', (_req, res, q) => sendJson(res, 200, renderFrameworks(master, q), q)],
    ['/slaves', (_req, res, q) => sendJson(res, 200, renderSlaves(master, q), q)],
    ['/tasks', (_req, res, q) => sendJson(res, 200, renderTasks(master, q), q)],
    ['/roles', (_req, res, q) => sendJson(res, 200, renderRoles(master), q)],
    ['/flags', (_req, res, q) => sendJson(res, 200, { flags: master.flags }, q)],
    ['/health', (_req, res) => sendText(res, 200, '')],
    ['/version', (_req, res, q) => sendJson(res, 200, renderVersion(), q)],
    ['/metrics/snapshot', (_req, res, q) => sendJson(res, 200, renderMasterMetrics(master), q)],
    ['/redirect', (_req, res) => redirect(master, res, '')],
    [
      AGENT_SUBSCRIBE_PATH.replace(/^\/master/, ''),
      (req, res) => handleAgentSubscribe(master, req, res, log),
    ],
    [AGENT_CALL_PATH.replace(/^\/master/, ''), (req, res) => handleAgentCall(master, req, res)],
  ]);

  return createServer((req, res) => {
    const { path, query } = queryOf(req);
    const name = path.startsWith('/master/') ? path.slice('/master'.length) : path;
    const handler = routes.get(name);
    if (!handler) {
      sendText(res, 404, '');
      return;
    }
    if (LEADER_ONLY.has(name) && !master.isLeader()) {
      redirect(master, res, req.url ?? '/');
      return;
    }
    Promise.resolve(handler(req, res, query)).catch((err: unknown) => {
      log.error('Request failed', { path, error: (err as Error).message });
      sendError(res, err);
    });
  });
}

/** 307 to the leader with a protocol-relative Location, as Mesos does; 503 without a leader. */
function redirect(master: Master, res: ServerResponse, pathAndQuery: string): void {
  const leader = master.isLeader() ? master.info : master.leader;
  if (!leader) {
    sendText(res, 503, 'No leader elected');
    return;
  }
  const host = leader.hostname ?? leader.address?.ip ?? '';
  sendText(res, 307, '', { Location: `//${host}:${leader.port}${pathAndQuery}` });
}

async function handleOperatorRequest(
  master: Master,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    throw new HttpError(405, `Expecting one of { 'POST' }, but received '${req.method ?? ''}'`, {
      Allow: 'POST',
    });
  }
  const body = await readBody(req);
  const call = parseJsonCall<{ type?: string; teardown?: { framework_id?: { value?: string } } }>(
    req,
    body,
    'Call',
  );
  if (!acceptsJson(req)) throw new HttpError(406, "Expecting 'Accept' to allow 'application/json'");
  switch (call.type) {
    case 'SUBSCRIBE': {
      const stream = new RecordIOStream(res, {}, () => unsubscribe());
      const unsubscribe = master.subscribeOperator({
        send: (e) => stream.send(e),
        close: () => stream.close(),
      });
      return;
    }
    case 'TEARDOWN': {
      const id = call.teardown?.framework_id?.value;
      if (!id)
        throw new HttpError(400, "Failed to validate master::Call: Expecting 'teardown' to be present");
      if (!master.frameworks.has(id)) throw new HttpError(400, `No framework found with specified ID`);
      master.removeFramework(id, 'operator TEARDOWN');
      sendText(res, 200, '');
      return;
    }
    default: {
      const result = handleOperatorCall(master, call);
      if (result === null)
        throw new HttpError(501, `Call type '${call.type ?? ''}' is not supported by this master yet`);
      res.writeHead(result.status, { 'Content-Type': result.contentType ?? 'application/json' });
      res.end(result.body);
    }
  }
}

async function handleAgentSubscribe(
  master: Master,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, 'Expecting POST', { Allow: 'POST' });
  const sub = parseJsonCall<AgentSubscribe>(req, await readBody(req), 'AgentSubscribe');
  if (!sub.agent_info?.hostname) throw new HttpError(400, "Expecting 'agent_info.hostname' to be present");
  let agentId: string | undefined;
  const stream = new RecordIOStream(res, {}, () => {
    if (agentId) master.agentDisconnected(agentId, link);
  });
  const link: AgentLink = { send: (e) => stream.send(e), close: () => stream.close() };
  const remote = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  try {
    agentId = master.registerAgent(
      {
        ...sub,
        frameworks: sub.frameworks ?? [],
        tasks: sub.tasks ?? [],
        capabilities: sub.capabilities ?? [],
      },
      link,
      remote,
    );
  } catch (err) {
    log.error('Agent registration failed', { error: (err as Error).message });
    stream.close();
  }
}

async function handleAgentCall(master: Master, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, 'Expecting POST', { Allow: 'POST' });
  const agentId = req.headers[AGENT_ID_HEADER];
  if (typeof agentId !== 'string' || !master.agents.has(agentId)) {
    throw new HttpError(400, 'Agent cannot be found: it must (re-)register first');
  }
  const call = parseJsonCall<AgentCall>(req, await readBody(req), 'AgentCall');
  master.handleAgentCall(agentId, call);
  sendText(res, 202, '');
}
