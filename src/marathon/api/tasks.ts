// Tasks: /v2/tasks and /v2/tasks/delete (TasksResource), and an app's tasks under
// /v2/apps/{id}/tasks (AppTasksResource, routed from apps.ts). Marathon's instance and task are one
// here: an Instance carries its current task.
import { appsUnder } from '../model/group-update.js';
import { JsonTypeError } from '../model/errors.js';
import { canonicalPathId, parseTaskId } from '../model/path-id.js';
import type { AppDefinition, Instance } from '../model/types.js';
import { isTerminalState } from '../../mesos/protocol/index.js';
import { badRequest, unknownApp, unknownGroup, unknownTask } from './errors.js';
import { asObject, ok, queryFlag, rejectScaleWithWipe, wantsPlainText } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { deploymentResponse, instancesByApp, renderTask, renderTasksAsText } from './render.js';

/** `/v2/apps/<group>/*` addresses all apps of a group. */
const GROUP_WILDCARD = /^((?:.+\/)|)\*$/;

function taskList(
  instances: readonly Instance[],
  apps: Readonly<Record<string, AppDefinition>>,
): ApiResponse {
  return ok({ tasks: instances.map((i) => renderTask(i, apps[i.appId])) });
}

/** GET /v2/tasks: every task of every app, optionally only running or staging ones. */
function listTasks(req: ApiRequest): ApiResponse {
  const { service } = req;
  const root = service.root();
  const apps = Object.keys(root.apps)
    .sort()
    .map((id) => root.apps[id]!);
  if (wantsPlainText(req)) {
    return {
      status: 200,
      text: {
        contentType: 'text/plain',
        content: renderTasksAsText(apps, instancesByApp(service.instances())),
      },
    };
  }
  // TasksResource.toTaskState: only these two are understood; other values filter nothing.
  const wanted = new Set(
    [...req.query.getAll('status'), ...req.query.getAll('status[]')].flatMap((s) => {
      const lower = s.toLowerCase();
      return lower === 'running' ? ['TASK_RUNNING'] : lower === 'staging' ? ['TASK_STAGING'] : [];
    }),
  );
  const instances = service
    .instances()
    .filter((i) => i.appId in root.apps && (wanted.size === 0 || wanted.has(i.state)));
  return taskList(instances, root.apps);
}

/** POST /v2/tasks/delete {"ids":[...]}: kills (or kills and scales down) tasks of any apps. */
async function deleteTasks(req: ApiRequest): Promise<ApiResponse> {
  const scale = queryFlag(req.query, 'scale', false);
  const wipe = queryFlag(req.query, 'wipe', false);
  const force = queryFlag(req.query, 'force', false);
  rejectScaleWithWipe(scale, wipe);
  const body = asObject(await req.json());
  const ids = body.ids;
  if (ids === undefined || ids === null)
    throw new JsonTypeError([{ path: '/ids', errors: ['error.path.missing'] }]);
  if (!Array.isArray(ids)) throw new JsonTypeError([{ path: '/ids', errors: ['error.expected.jsarray'] }]);
  const instanceIds = new Set<string>();
  ids.forEach((id: unknown, index) => {
    if (typeof id !== 'string') {
      throw new JsonTypeError([{ path: `/ids(${index})`, errors: ['error.expected.jsstring'] }]);
    }
    const parsed = parseTaskId(id);
    // The text of Scala's MatchError, which Marathon appends.
    if (!parsed) throw badRequest(`Invalid task id '${id}'. [${id} (of class java.lang.String)]`);
    instanceIds.add(parsed.instanceId);
  });
  const { service } = req;
  const root = service.root();
  // Unknown (but well-formed) ids are ignored, as are tasks of apps that no longer exist.
  const found = service.instances().filter((i) => instanceIds.has(i.instanceId) && i.appId in root.apps);
  const foundIds = found.map((i) => i.instanceId);
  const result = await service.killInstances(foundIds, { scale, wipe, force });
  if (scale && result.plan) return deploymentResponse(result.plan);
  return taskList(result.killed, root.apps);
}

// ---- /v2/apps/{id}/tasks ----

/** GET /v2/apps/{id}/tasks and /v2/apps/<group>/*\/tasks. */
export function appTasks(req: ApiRequest): ApiResponse {
  const { service } = req;
  const root = service.root();
  const raw = req.params[0]!;
  const wildcard = GROUP_WILDCARD.exec(raw);
  let apps: AppDefinition[];
  if (wildcard) {
    const groupId = canonicalPathId(wildcard[1]!);
    if (!(groupId in root.groups)) throw unknownGroup(groupId);
    apps = appsUnder(root, groupId);
  } else {
    const app = root.apps[canonicalPathId(raw)];
    if (!app) throw unknownApp(canonicalPathId(raw));
    apps = [app];
  }
  const instancesOf = instancesByApp(service.instances());
  if (wantsPlainText(req)) {
    return {
      status: 200,
      text: { contentType: 'text/plain', content: renderTasksAsText(apps, instancesOf) },
    };
  }
  return taskList(
    apps.flatMap((app) => instancesOf(app.id)),
    root.apps,
  );
}

interface KillTarget {
  app: AppDefinition;
  scale: boolean;
  wipe: boolean;
  force: boolean;
}

function killTarget(req: ApiRequest): KillTarget {
  const scale = queryFlag(req.query, 'scale', false);
  const wipe = queryFlag(req.query, 'wipe', false);
  rejectScaleWithWipe(scale, wipe);
  const appId = canonicalPathId(req.params[0]!);
  const app = req.service.root().apps[appId];
  if (!app) throw unknownApp(appId);
  return { app, scale, wipe, force: queryFlag(req.query, 'force', false) };
}

/** DELETE /v2/apps/{id}/tasks?host=&scale=&wipe=&force=: kills the app's tasks (on one host, or all). */
export async function killAppTasks(req: ApiRequest): Promise<ApiResponse> {
  const { app, scale, wipe, force } = killTarget(req);
  const host = req.query.get('host');
  const matching = req.service
    .instances(app.id)
    .filter((i) => host === null || host === '*' || i.host === host)
    // With scale, only active instances count (TaskKiller.killAndScale).
    .filter((i) => !scale || !isTerminalState(i.state));
  const result = await req.service.killInstances(
    matching.map((i) => i.instanceId),
    { scale, wipe, force },
  );
  if (scale && result.plan) return deploymentResponse(result.plan);
  return ok({ tasks: matching.map((i) => renderTask(i, app)) });
}

/** DELETE /v2/apps/{id}/tasks/{taskId}: {"task": Task}, or a DeploymentResult with scale=true. */
export async function killAppTask(req: ApiRequest): Promise<ApiResponse> {
  const { app, scale, wipe, force } = killTarget(req);
  const taskId = req.params[1]!;
  const instanceId = parseTaskId(taskId)?.instanceId;
  const matching = req.service.instances(app.id).filter((i) => i.instanceId === instanceId);
  if (!scale && matching.length === 0) throw unknownTask(taskId);
  const result = await req.service.killInstances(
    matching.map((i) => i.instanceId),
    { scale, wipe, force },
  );
  if (scale && result.plan) return deploymentResponse(result.plan);
  if (matching.length === 0) throw unknownTask(taskId);
  return ok({ task: renderTask(matching[0]!, app) });
}

export const taskRoutes: Route[] = [
  { pattern: /^\/v2\/tasks$/, methods: { GET: listTasks } },
  { pattern: /^\/v2\/tasks\/delete$/, methods: { POST: deleteTasks }, consumesJson: true },
];
