import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesService } from '../../src/mesos/agent/files.js';
import { createAgentServer, type AgentServerHooks } from '../../src/mesos/agent/http-server.js';
import type { AgentExecutor, AgentFramework, AgentTask, AgentView } from '../../src/mesos/agent/model.js';
import { parseResources } from '../../src/mesos/protocol/resources.js';
import { silentLogger } from '../../src/util/log.js';
import { freePort } from '../../src/util/net.js';

const AGENT_ID = 'm1-S0';
const FW = 'm1-0000';
const EX = 'web.1';
const CONTAINER = 'c-1';
const VIRTUAL = `/frameworks/${FW}/executors/${EX}/runs/latest`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent byte for byte (fetch would normalize `..` and `%2e%2e` away). */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function fakeView(sandbox: string): AgentView {
  const resources = parseResources('cpus:1;mem:128').map((r) => ({ ...r, allocation_info: { role: '*' } }));
  const task: AgentTask = {
    info: {
      name: 'web',
      task_id: { value: EX },
      agent_id: { value: AGENT_ID },
      resources,
      command: { value: 'sleep 1000' },
    },
    frameworkId: FW,
    executorId: EX,
    state: 'TASK_RUNNING',
    statuses: [{ task_id: { value: EX }, state: 'TASK_RUNNING', timestamp: 10 }],
    resources,
    role: '*',
    containerId: 'c1',
    directory: sandbox,
  };
  const executor: AgentExecutor = {
    id: EX,
    frameworkId: FW,
    info: {
      executor_id: { value: EX },
      framework_id: { value: FW },
      name: 'Command Executor (Task: web.1)',
      source: EX,
    },
    kind: 'command',
    containerId: CONTAINER,
    directory: sandbox,
    tasks: new Map([[EX, task]]),
    completedTasks: [],
    role: '*',
  };
  const fw: AgentFramework = {
    id: FW,
    info: { user: 'root', name: 'marathon', id: { value: FW }, role: '*' },
    executors: new Map([[EX, executor]]),
    completedExecutors: [],
  };
  const total = parseResources('cpus:2;mem:1024;disk:2048;ports:[31000-32000]');
  return {
    id: AGENT_ID,
    info: { hostname: '127.0.0.1', port: 5051, resources: total, attributes: [] },
    pid: 'slave(1)@127.0.0.1:5051',
    hostname: '127.0.0.1',
    port: 5051,
    startTime: 1,
    flags: { work_dir: '/tmp/w', master: '127.0.0.1:5050' },
    masterHostname: '127.0.0.1',
    registered: true,
    totalResources: total,
    attributesText: '',
    capabilities: ['MULTI_ROLE'],
    isolation: 'posix/cpu,posix/mem',
    workDir: '/tmp/w',
    frameworks: new Map([[FW, fw]]),
    completedFrameworks: [],
    counters: {},
    now: () => 100,
    containerStatistics: (id) =>
      Promise.resolve(
        id === CONTAINER
          ? { mem_limit_bytes: 134217728, cpus_limit: 1, mem_rss_bytes: 1024, cpus_user_time_secs: 0.5 }
          : null,
      ),
  };
}

describe('agent HTTP server', () => {
  let tmp: string;
  let sandbox: string;
  let server: Server;
  let port: number;
  let withHook: Server;
  let hookPort: number;

  const listen = async (s: Server): Promise<number> => {
    const p = await freePort();
    await new Promise<void>((resolve) => s.listen(p, '127.0.0.1', resolve));
    return p;
  };

  beforeAll(async () => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'agent-http-')));
    sandbox = join(tmp, 'work/slaves', AGENT_ID, 'frameworks', FW, 'executors', EX, 'runs', CONTAINER);
    mkdirSync(sandbox, { recursive: true });
    writeFileSync(join(sandbox, 'stdout'), 'hello over http\n');
    writeFileSync(join(sandbox, 'stderr'), 'oops\n');
    writeFileSync(join(tmp, 'secret'), 'top secret');
    symlinkSync('/etc/passwd', join(sandbox, 'passwd'));
    const files = new FilesService();
    files.attachSandbox(FW, EX, sandbox);
    const view = fakeView(sandbox);
    server = createAgentServer(view, files, {}, silentLogger);
    port = await listen(server);
    const hooks: AgentServerHooks = {
      onExecutorApi: (_req, res) => {
        res.writeHead(202);
        res.end();
      },
    };
    withHook = createAgentServer(view, files, hooks, silentLogger);
    hookPort = await listen(withHook);
  });

  afterAll(async () => {
    await Promise.all([server, withHook].map((s) => new Promise((resolve) => s?.close(resolve))));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves /state at the root, under /slave(1) and as /state.json', async () => {
    for (const path of ['/state', '/slave(1)/state', '/slave%281%29/state', '/state.json']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe('application/json');
      const state = JSON.parse(r.body) as Record<string, unknown>;
      expect(state['id']).toBe(AGENT_ID);
      expect((state['flags'] as Record<string, string>)['isolation']).toBe('posix/cpu,posix/mem');
      const [fw] = state['frameworks'] as Array<Record<string, unknown>>;
      const [executor] = fw!['executors'] as Array<Record<string, unknown>>;
      expect(executor!['directory']).toBe(sandbox);
    }
  });

  it('wraps JSON in a jsonp callback', async () => {
    const r = await get(port, '/slave(1)/state?jsonp=angular.callbacks._0');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript');
    expect(r.body.startsWith('angular.callbacks._0({')).toBe(true);
    expect(r.body.endsWith(');')).toBe(true);
  });

  it('serves flags, health, version and metrics', async () => {
    const flags = await get(port, '/slave(1)/flags');
    expect(JSON.parse(flags.body)).toMatchObject({
      flags: { isolation: 'posix/cpu,posix/mem', work_dir: '/tmp/w' },
    });
    for (const path of ['/health', '/slave(1)/health']) {
      const health = await get(port, path);
      expect(health.status).toBe(200);
      expect(health.body).toBe('');
    }
    expect(JSON.parse((await get(port, '/version')).body)).toMatchObject({ version: '1.11.0' });
    const metrics = JSON.parse((await get(port, '/metrics/snapshot')).body) as Record<string, number>;
    expect(metrics['slave/tasks_running']).toBe(1);
    expect(metrics['slave/cpus_used']).toBe(1);
  });

  it('lists running containers with status and statistics', async () => {
    for (const path of ['/containers', '/slave(1)/containers']) {
      const r = await get(port, path);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual([
        {
          framework_id: FW,
          executor_id: EX,
          executor_name: 'Command Executor (Task: web.1)',
          source: EX,
          container_id: CONTAINER,
          status: { container_id: { value: CONTAINER } },
          statistics: {
            timestamp: 100,
            mem_limit_bytes: 134217728,
            cpus_limit: 1,
            mem_rss_bytes: 1024,
            cpus_user_time_secs: 0.5,
          },
        },
      ]);
    }
    expect(JSON.parse((await get(port, `/containers?framework_id=other`)).body)).toEqual([]);
    expect((await get(port, `/containers?executor_id=${EX}`)).status).toBe(400);
    for (const path of ['/monitor/statistics', '/monitor/statistics.json', '/slave(1)/monitor/statistics']) {
      const [entry] = JSON.parse((await get(port, path)).body) as Array<Record<string, unknown>>;
      expect(entry).toMatchObject({
        executor_id: EX,
        framework_id: FW,
        statistics: { cpus_limit: 1, timestamp: 100 },
      });
    }
  });

  it('serves /files/browse and /files/read with Mesos status codes', async () => {
    const missing = await get(port, '/files/browse');
    expect(missing.status).toBe(400);
    expect(missing.body).toBe("Expecting 'path=value' in query.\n");

    for (const endpoint of ['/files/browse', '/files/browse.json']) {
      const r = await get(port, `${endpoint}?path=${encodeURIComponent(VIRTUAL)}`);
      expect(r.status).toBe(200);
      const listing = JSON.parse(r.body) as Array<{ path: string; size: number }>;
      expect(listing.map((f) => f.path)).toEqual([
        `${VIRTUAL}/passwd`,
        `${VIRTUAL}/stderr`,
        `${VIRTUAL}/stdout`,
      ]);
    }

    const stdout = encodeURIComponent(`${VIRTUAL}/stdout`);
    expect(JSON.parse((await get(port, `/files/read?path=${stdout}&offset=-1`)).body)).toEqual({
      data: '',
      offset: 16,
    });
    expect(JSON.parse((await get(port, `/files/read.json?path=${stdout}`)).body)).toEqual({
      data: '',
      offset: 16,
    });
    expect(JSON.parse((await get(port, `/files/read?path=${stdout}&offset=6&length=4`)).body)).toEqual({
      data: 'over',
      offset: 6,
    });
    const jsonp = await get(port, `/files/read?path=${stdout}&offset=0&length=5&jsonp=cb`);
    expect(jsonp.body).toBe('cb({"data":"hello","offset":0});');
    expect((await get(port, `/files/read?path=${stdout}&offset=abc`)).status).toBe(400);
    expect((await get(port, `/files/read?path=${encodeURIComponent(VIRTUAL)}&offset=0`)).status).toBe(400);
    expect((await get(port, `/files/read?path=/no/such/file&offset=0`)).status).toBe(404);
    expect((await get(port, `/files/browse?path=/frameworks/${FW}/executors/other/runs/latest`)).status).toBe(
      404,
    );
  });

  it('refuses path traversal over HTTP, encoded or not', async () => {
    const up = '/%2e%2e'.repeat(12);
    const attempts = [
      `/files/read?path=${VIRTUAL}${up}/secret&offset=0`,
      `/files/read?path=${VIRTUAL}${up}/etc/passwd&offset=0`,
      `/files/read?path=${VIRTUAL}/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd&offset=0`,
      `/files/read?path=%2Fetc%2Fpasswd&offset=0`,
      `/files/read?path=${VIRTUAL}/passwd&offset=0`,
      `/files/download?path=${VIRTUAL}${up}/secret`,
      `/files/download?path=${encodeURIComponent(`${sandbox}/../../../../../../../../secret`)}`,
      `/files/browse?path=${VIRTUAL}${up}`,
      `/files/%2e%2e/%2e%2e/etc/passwd`,
      `/files/../../etc/passwd`,
    ];
    for (const path of attempts) {
      const r = await get(port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('root:');
      expect(r.body, path).not.toContain('top secret');
    }
  });

  it('downloads a sandbox file as an attachment', async () => {
    const r = await get(port, `/files/download?path=${encodeURIComponent(`${VIRTUAL}/stderr`)}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-disposition']).toBe('attachment; filename=stderr');
    expect(r.body).toBe('oops\n');
    expect((await get(port, `/files/download?path=${encodeURIComponent(VIRTUAL)}`)).status).toBe(400);
  });

  it('shows the attachments at /files/debug', async () => {
    const debug = JSON.parse((await get(port, '/files/debug')).body) as Record<string, string>;
    expect(debug[VIRTUAL]).toBe(sandbox);
    expect(debug[sandbox]).toBe(sandbox);
  });

  it('hands the executor API to the hook, 501 without one', async () => {
    expect((await get(port, '/api/v1/executor', 'POST')).status).toBe(501);
    expect((await get(port, '/slave(1)/api/v1/executor', 'POST')).status).toBe(501);
    expect((await get(hookPort, '/slave(1)/api/v1/executor', 'POST')).status).toBe(202);
    expect((await get(hookPort, '/api/v1/executor', 'POST')).status).toBe(202);
  });

  it('answers 404 for unknown paths', async () => {
    for (const path of [
      '/nope',
      '/slave(1)/nope',
      '/slave(1)/files/browse?path=/',
      '/slave(1)/version',
      '/files/nope',
    ]) {
      expect((await get(port, path)).status, path).toBe(404);
    }
  });
});
