// /v2/groups (GroupsResource, GroupApiService): the nested group tree, its versions, and group
// changes (create, update, scale, roll back, dry run, delete), each one a deployment of a new root.
import { computeDeploymentPlan, describePlanSteps } from '../deployment/plan.js';
import { ValidationError } from '../model/errors.js';
import {
  applyGroupUpdate,
  appsUnder,
  parseGroupUpdate,
  removeGroup,
  scaleGroup,
  validateRootDependencies,
  type GroupUpdate,
} from '../model/group-update.js';
import { canonicalPathId, isAncestorOf, pathIdErrors } from '../model/path-id.js';
import type { GroupMeta, RootGroup, Timestamp } from '../model/types.js';
import { conflict, unknownGroup, unprocessable } from './errors.js';
import { normalizeVersion, ok, queryFlag, resolveGroupEmbeds } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { InfoRenderer, deploymentResponse } from './render.js';

function nowIso(req: ApiRequest): Timestamp {
  return new Date(req.service.now()).toISOString();
}

/** The group the URL names ('/' for /v2/groups), which must be a valid id. */
function urlGroupId(req: ApiRequest): string {
  const id = canonicalPathId(req.params[0] ?? '/');
  const errors = pathIdErrors(id);
  if (errors.length > 0) throw new ValidationError([{ path: '/', errors }]);
  return id;
}

// ---- reads ----

/** The versions of the stored roots that hold the group, newest first. */
function groupVersions(req: ApiRequest, groupId: string): Timestamp[] {
  const { service } = req;
  if (!(groupId in service.root().groups)) throw unknownGroup(groupId);
  if (groupId === '/') return service.rootVersions();
  const versions: Timestamp[] = [];
  for (const version of service.rootVersions()) {
    const group = service.rootAt(version)?.groups[groupId];
    if (group && !versions.includes(group.version)) versions.push(group.version);
  }
  return versions;
}

/**
 * GET /v2/groups[/{id}] and the paths GroupsResource matches inside the id: `<group>/apps` (the
 * group's apps, transitively), `<group>/versions` and `<group>/versions/<version>`.
 */
function getGroup(req: ApiRequest): ApiResponse {
  const { service } = req;
  const raw = req.params[0] ?? '';
  const embeds = resolveGroupEmbeds(req.query.getAll('embed'));
  const renderer = new InfoRenderer(service);
  const root = service.root();

  const apps = /^((?:.+\/)|)apps$/.exec(raw);
  if (apps) {
    return ok(appsUnder(root, canonicalPathId(apps[1]!)).map((app) => renderer.appInfo(app, embeds.apps)));
  }
  const versions = /^(?:(.+)\/)?versions$/.exec(raw);
  if (versions) return ok(groupVersions(req, canonicalPathId(versions[1] ?? '/')));
  const atVersion = /^(?:(.+)\/)?versions\/(.+)$/.exec(raw);
  if (atVersion) {
    const groupId = canonicalPathId(atVersion[1] ?? '/');
    const version = normalizeVersion(atVersion[2]!);
    const stored = version === null ? undefined : service.rootAt(version);
    if (!stored || !(groupId in stored.groups)) throw unknownGroup(groupId);
    return ok(renderer.group(stored, groupId, new Set(), embeds.group));
  }
  const groupId = canonicalPathId(raw || '/');
  if (!(groupId in root.groups)) throw unknownGroup(groupId);
  return ok(renderer.group(root, groupId, embeds.apps, embeds.group));
}

// ---- changes ----

/** The group and everything below it, as a flat update that recreates exactly that subtree. */
function subtreeOf(
  root: RootGroup,
  groupId: string,
): { groups: GroupMeta[]; apps: RootGroup['apps'][string][] } {
  const groups = Object.values(root.groups).filter((g) => g.id === groupId || isAncestorOf(groupId, g.id));
  return { groups, apps: appsUnder(root, groupId) };
}

/** GroupApiService.updateGroup: a rollback, a scale or an update of `groupId`, on the current root. */
function changedRoot(
  req: ApiRequest,
  root: RootGroup,
  groupId: string,
  update: GroupUpdate,
  now: Timestamp,
): RootGroup {
  let target: RootGroup;
  switch (update.kind) {
    case 'rollback': {
      const version = normalizeVersion(update.version);
      const stored = version === null ? undefined : req.service.rootAt(version);
      if (!stored || !(groupId in stored.groups)) {
        throw unprocessable(`Group ${groupId} not available in version ${version ?? update.version}`);
      }
      target = applyGroupUpdate(root, groupId, subtreeOf(stored, groupId), { version: now, replace: true });
      break;
    }
    case 'scale':
      target = scaleGroup(root, groupId, update.scaleBy, now);
      break;
    case 'update':
      target = applyGroupUpdate(root, update.id, update, { version: now, replace: true });
      break;
  }
  const invalid = validateRootDependencies(target);
  if (invalid) throw invalid;
  return target;
}

/** POST /v2/groups[/{id}]: creates a group that does not exist yet; 201 + Location. */
async function createGroup(req: ApiRequest): Promise<ApiResponse> {
  const groupId = urlGroupId(req);
  const force = queryFlag(req.query, 'force', false);
  const now = nowIso(req);
  const update = parseGroupUpdate(await req.json(), { groupId, version: now });
  const effective = update.kind === 'update' ? update.id : groupId;
  const root = req.service.root();
  if (effective in root.groups) {
    throw conflict(`Group ${effective} is already created. Use PUT to change this group.`);
  }
  if (effective in root.apps) throw conflict(`An app with the path ${effective} already exists.`);
  const plan = await req.service.deploy(changedRoot(req, root, groupId, update, now), { force });
  return deploymentResponse(plan, 201, { Location: `http://${req.headers.host ?? 'localhost'}${effective}` });
}

/** PUT /v2/groups[/{id}]: update (or create), `{"scaleBy"}`, `{"version"}`; ?dryRun=true plans only. */
async function updateGroup(req: ApiRequest): Promise<ApiResponse> {
  const groupId = urlGroupId(req);
  const force = queryFlag(req.query, 'force', false);
  const now = nowIso(req);
  const update = parseGroupUpdate(await req.json(), { groupId, version: now });
  const root = req.service.root();
  const target = changedRoot(req, root, groupId, update, now);
  if (queryFlag(req.query, 'dryRun', false)) {
    return ok({ steps: describePlanSteps(computeDeploymentPlan(root, target, { id: 'dry-run' })) });
  }
  return deploymentResponse(await req.service.deploy(target, { force }));
}

/** DELETE /v2/groups[/{id}]: removes the group and all in it (the root: everything). */
async function deleteGroup(req: ApiRequest): Promise<ApiResponse> {
  const groupId = canonicalPathId(req.params[0] ?? '/');
  const force = queryFlag(req.query, 'force', false);
  const root = req.service.root();
  if (!(groupId in root.groups)) throw unknownGroup(groupId);
  const now = nowIso(req);
  return deploymentResponse(await req.service.deploy(removeGroup(root, groupId, now), { force }));
}

const groupMethods = { GET: getGroup, POST: createGroup, PUT: updateGroup, DELETE: deleteGroup };

export const groupRoutes: Route[] = [
  { pattern: /^\/v2\/groups$/, methods: groupMethods },
  { pattern: /^\/v2\/groups\/(.+)$/, methods: groupMethods },
];
