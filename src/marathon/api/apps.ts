// /v2/apps (AppsResource, AppVersionsResource): list, show, create, update, scale, roll back,
// restart and delete apps. Every change builds the whole target root, which the service deploys.
import {
  assignServicePorts,
  mergeAppUpdate,
  parseAppDefinition,
  replaceApp,
  restartStamp,
  rollbackVersionOf,
  servicePortsOf,
  stampVersion,
} from '../model/app-validation.js';
import { JsonTypeError } from '../model/errors.js';
import { appsUnder, putApp, removeApp, validateRootDependencies } from '../model/group-update.js';
import { canonicalPathId } from '../model/path-id.js';
import { renderAppDefinition } from '../model/render-app.js';
import type { AppDefinition, RootGroup, Timestamp } from '../model/types.js';
import { conflict, unknownApp, unknownGroup, unprocessable } from './errors.js';
import {
  asObject,
  normalizeVersion,
  ok,
  parseLabelSelector,
  queryFlag,
  resolveAppEmbeds,
} from './request.js';
import type { ApiRequest, ApiResponse, AppEmbed, Route } from './request.js';
import { InfoRenderer, deploymentResponse } from './render.js';
import { appTasks, killAppTask, killAppTasks } from './tasks.js';

/** `/v2/apps/<group>/*` lists all apps of a group. */
const GROUP_WILDCARD = /^((?:.+\/)|)\*$/;

function nowIso(req: ApiRequest): Timestamp {
  return new Date(req.service.now()).toISOString();
}

// ---- building target roots ----

/**
 * GroupManager.updateRoot after the change itself: new and changed apps get service ports for their
 * port 0s (avoiding every port of the original and the changed root) and their new versions; then the
 * whole root is validated. Unchanged apps are left as they are.
 */
function finishTarget(original: RootGroup, changed: RootGroup, now: Timestamp): RootGroup {
  const used = new Set<number>();
  for (const app of [...Object.values(original.apps), ...Object.values(changed.apps)]) {
    for (const port of servicePortsOf(app)) if (port !== 0) used.add(port);
  }
  const apps: Record<string, AppDefinition> = { ...changed.apps };
  for (const id of Object.keys(apps).sort()) {
    const before = original.apps[id];
    const after = apps[id]!;
    if (before === after) continue;
    const withPorts = assignServicePorts(after, used, undefined, before);
    for (const port of servicePortsOf(withPorts)) used.add(port);
    apps[id] = stampVersion(before, withPorts, now);
  }
  const target: RootGroup = { ...changed, apps, version: now };
  const invalid = validateRootDependencies(target);
  if (invalid) throw invalid;
  return target;
}

function publishApiPost(req: ApiRequest, app: AppDefinition): void {
  req.service.events.publish('api_post_event', {
    clientIp: req.remoteAddress,
    uri: req.rawPath,
    appDefinition: renderAppDefinition(app),
  });
}

// ---- reads ----

/** GET /v2/apps?cmd=&id=&label=&embed=: counts and deployments are always embedded (1.10). */
function listApps(req: ApiRequest): ApiResponse {
  const root = req.service.root();
  const cmd = req.query.get('cmd')?.toLowerCase();
  const id = req.query.get('id')?.toLowerCase();
  const label = req.query.get('label');
  const labels = label === null ? undefined : parseLabelSelector(label);
  const embeds = resolveAppEmbeds(req.query.getAll('embed')).add('counts').add('deployments');
  const renderer = new InfoRenderer(req.service);
  const apps = Object.keys(root.apps)
    .sort()
    .map((appId) => root.apps[appId]!)
    .filter(
      (app) =>
        (cmd === undefined || (app.cmd ?? '').toLowerCase().includes(cmd)) &&
        (id === undefined || app.id.toLowerCase().includes(id)) &&
        (labels === undefined || labels(app.labels)),
    );
  return ok({ apps: apps.map((app) => renderer.appInfo(app, embeds)) });
}

/** GET /v2/apps/{id}: `{"app": AppInfo}` with counts, tasks, lastTaskFailure and deployments. */
function showApp(req: ApiRequest): ApiResponse {
  const root = req.service.root();
  const embeds = new Set<AppEmbed>([
    ...resolveAppEmbeds(req.query.getAll('embed')),
    'counts',
    'tasks',
    'lastTaskFailure',
    'deployments',
  ]);
  const renderer = new InfoRenderer(req.service);
  const wildcard = GROUP_WILDCARD.exec(req.params[0]!);
  if (wildcard) {
    const groupId = canonicalPathId(wildcard[1]!);
    if (!(groupId in root.groups)) throw unknownGroup(groupId);
    return ok({ '*': appsUnder(root, groupId).map((app) => renderer.appInfo(app, embeds)) });
  }
  const appId = canonicalPathId(req.params[0]!);
  const app = root.apps[appId];
  if (!app) throw unknownApp(appId);
  return ok({ app: renderer.appInfo(app, embeds) });
}

function appVersions(req: ApiRequest): ApiResponse {
  const appId = canonicalPathId(req.params[0]!);
  if (!req.service.root().apps[appId]) throw unknownApp(appId);
  return ok({ versions: req.service.appVersions(appId) });
}

/** GET /v2/apps/{id}/versions/{version}: the plain definition, not wrapped. */
function appVersion(req: ApiRequest): ApiResponse {
  const appId = canonicalPathId(req.params[0]!);
  const raw = req.params[1]!;
  const version = normalizeVersion(raw);
  const app = version === null ? undefined : req.service.appAt(appId, version);
  if (!app) throw unknownApp(appId, version ?? raw);
  return ok(renderAppDefinition(app));
}

// ---- changes ----

/** POST /v2/apps: 201 with the AppInfo of the new app (its service ports still as posted). */
async function createApp(req: ApiRequest): Promise<ApiResponse> {
  const force = queryFlag(req.query, 'force', false);
  const now = nowIso(req);
  const app = parseAppDefinition(await req.json(), { version: now });
  const root = req.service.root();
  if (root.apps[app.id]) throw conflict(`An app with id [${app.id}] already exists.`);
  const plan = await req.service.deploy(finishTarget(root, putApp(root, app, now), now), { force });
  publishApiPost(req, app);
  return {
    status: 201,
    headers: { Location: locationOf(req, app.id), 'Marathon-Deployment-Id': plan.id },
    body: {
      ...renderAppDefinition(app),
      tasksStaged: 0,
      tasksRunning: 0,
      tasksHealthy: 0,
      tasksUnhealthy: 0,
      deployments: [{ id: plan.id }],
    },
  };
}

/** JAX-RS resolves Response.created's relative URI against the request's base. */
function locationOf(req: ApiRequest, id: string): string {
  return `http://${req.headers.host ?? 'localhost'}${id}`;
}

/**
 * AppHelpers.updateOrCreate: a stored app takes the body as a patch (or as a full replacement), or
 * goes back to a stored version for a body `{"version": ts}`; an unknown one is created from it.
 */
function updatedApp(
  req: ApiRequest,
  appId: string,
  current: AppDefinition | undefined,
  body: unknown,
  opts: { partial: boolean; allowCreation: boolean; now: Timestamp },
): AppDefinition {
  if (!current) {
    if (!opts.allowCreation) throw unknownApp(appId);
    return parseAppDefinition(body, { version: opts.now, id: appId });
  }
  if (!opts.partial) return replaceApp(current, body, { version: opts.now });
  const rollback = rollbackVersionOf(body);
  if (rollback !== undefined) {
    const version = normalizeVersion(rollback);
    const stored = version === null ? undefined : req.service.appAt(appId, version);
    if (!stored) throw unknownApp(appId);
    return stored;
  }
  return mergeAppUpdate(current, body, { version: opts.now });
}

/** PUT (creates when missing) and PATCH /v2/apps/{id}: 200, or 201 + Location when created. */
async function updateApp(req: ApiRequest, allowCreation: boolean): Promise<ApiResponse> {
  const appId = canonicalPathId(req.params[0]!);
  const force = queryFlag(req.query, 'force', false);
  const partial = !allowCreation || queryFlag(req.query, 'partialUpdate', true);
  const now = nowIso(req);
  const body = asObject(await req.json());
  const root = req.service.root();
  const current = root.apps[appId];
  const next = updatedApp(req, appId, current, body, { partial, allowCreation, now });
  const target = finishTarget(root, putApp(root, next, now), now);
  const plan = await req.service.deploy(target, { force });
  publishApiPost(req, target.apps[appId]!);
  return current
    ? deploymentResponse(plan)
    : deploymentResponse(plan, 201, { Location: locationOf(req, appId) });
}

/** PUT (creating) and PATCH /v2/apps with an array of apps: one deployment for all of them. */
async function updateApps(req: ApiRequest, allowCreation: boolean): Promise<ApiResponse> {
  const force = queryFlag(req.query, 'force', false);
  const partial = !allowCreation || queryFlag(req.query, 'partialUpdate', true);
  const now = nowIso(req);
  const body = await req.json();
  if (!Array.isArray(body)) throw new JsonTypeError([{ path: '/', errors: ['error.expected.jsarray'] }]);
  const root = req.service.root();
  let changed = root;
  body.forEach((item: unknown, index) => {
    const fields = asObject(item);
    if (typeof fields.id !== 'string') {
      if (fields.id === undefined || fields.id === null) {
        throw unprocessable('requirement failed: App Update must have app id set');
      }
      throw new JsonTypeError([{ path: `(${index})/id`, errors: ['error.expected.jsstring'] }]);
    }
    const appId = canonicalPathId(fields.id);
    const next = updatedApp(req, appId, changed.apps[appId], fields, { partial, allowCreation, now });
    changed = putApp(changed, next, now);
  });
  const plan = await req.service.deploy(finishTarget(root, changed, now), { force });
  return deploymentResponse(plan);
}

/** DELETE /v2/apps/{id}: force defaults to true here only. */
async function deleteApp(req: ApiRequest): Promise<ApiResponse> {
  const appId = canonicalPathId(req.params[0]!);
  const force = queryFlag(req.query, 'force', true);
  const now = nowIso(req);
  const root = req.service.root();
  if (!root.apps[appId]) throw unknownApp(appId);
  const plan = await req.service.deploy(finishTarget(root, removeApp(root, appId, now), now), { force });
  return deploymentResponse(plan);
}

/** POST /v2/apps/{id}/restart: the same definition as a new config version (a rolling restart). */
async function restartApp(req: ApiRequest): Promise<ApiResponse> {
  const appId = canonicalPathId(req.params[0]!);
  const force = queryFlag(req.query, 'force', false);
  const now = nowIso(req);
  const root = req.service.root();
  const app = root.apps[appId];
  if (!app) throw unknownApp(appId);
  const changed = putApp(root, restartStamp(app, now), now);
  const target: RootGroup = { ...changed, version: now };
  const invalid = validateRootDependencies(target);
  if (invalid) throw invalid;
  const plan = await req.service.deploy(target, { force });
  return deploymentResponse(plan);
}

export const appRoutes: Route[] = [
  {
    pattern: /^\/v2\/apps$/,
    methods: {
      GET: listApps,
      POST: createApp,
      PUT: (req) => updateApps(req, true),
      PATCH: (req) => updateApps(req, false),
    },
    consumesJson: true,
  },
  // JAX-RS picks the template with the most literal characters, so the suffixes win over a plain id.
  { pattern: /^\/v2\/apps\/(.+)\/versions\/([^/]+)$/, methods: { GET: appVersion }, consumesJson: true },
  { pattern: /^\/v2\/apps\/(.+)\/versions$/, methods: { GET: appVersions }, consumesJson: true },
  { pattern: /^\/v2\/apps\/(.+)\/restart$/, methods: { POST: restartApp }, consumesJson: true },
  { pattern: /^\/v2\/apps\/(.+)\/tasks\/([^/]+)$/, methods: { DELETE: killAppTask }, consumesJson: true },
  {
    pattern: /^\/v2\/apps\/(.+)\/tasks$/,
    methods: { GET: appTasks, DELETE: killAppTasks },
    consumesJson: true,
  },
  {
    pattern: /^\/v2\/apps\/(.+)$/,
    methods: {
      GET: showApp,
      PUT: (req) => updateApp(req, true),
      PATCH: (req) => updateApp(req, false),
      DELETE: deleteApp,
    },
    consumesJson: true,
  },
];
