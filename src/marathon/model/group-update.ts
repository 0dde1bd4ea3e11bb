// Groups: parsing a GroupUpdate body (POST/PUT /v2/groups) and the pure operations on the flat
// RootGroup: apply an update (GroupConversion's UpdateGroupStructureOp), scale, remove, and the
// dependency checks of RootGroup.validRootGroup.
import { parseAppDefinition, servicePortsOf, assignServicePorts, stampVersion } from './app-validation.js';
import { readRawApp } from './app-normalize.js';
import {
  DetailCollector,
  JsonReader,
  ValidationError,
  bool,
  list,
  num,
  object,
  str,
  type Read,
} from './errors.js';
import {
  RAML_PATH_ID_PATTERN,
  canonicalPathId,
  isAncestorOf,
  parentOf,
  pathIdErrors,
  pathSegments,
} from './path-id.js';
import type { AppDefinition, GroupMeta, RootGroup, Timestamp } from './types.js';

/** One group of an update as the body gave it: absent `apps`/`groups` keep the current ones. */
export interface GroupUpdateNode {
  id: string;
  dependencies?: string[];
  apps?: AppDefinition[];
  groups?: GroupUpdateNode[];
}

export type GroupUpdate =
  | {
      kind: 'update';
      /** The group the update is for: the body's id resolved against the URL's group. */
      id: string;
      /** Every group the body names (the updated one first), flattened. */
      groups: GroupMeta[];
      /** Every app the body names, with absolute ids, flattened. */
      apps: AppDefinition[];
      tree: GroupUpdateNode;
    }
  | { kind: 'scale'; scaleBy: number }
  | { kind: 'rollback'; version: string };

interface RawGroupUpdate {
  id?: string;
  apps?: unknown[];
  groups?: RawGroupUpdate[];
  dependencies?: string[];
  scaleBy?: number;
  version?: string;
  enforceRole?: boolean;
}

const PATH_ID = str({ minLength: 1, pattern: RAML_PATH_ID_PATTERN });

// Apps are checked here for their JSON (so that all JSON errors come at once, with full paths) and
// parsed again, as apps, once the group they belong to is known.
const groupApp: Read<unknown> = (r, app, path) => {
  const raw = readRawApp(r, app, path);
  if (raw === undefined) return undefined;
  return raw.id === undefined ? r.fail(`${path}/id`, 'error.path.missing') : app;
};

const readGroupUpdate: Read<RawGroupUpdate> = (r, v, p) =>
  object<RawGroupUpdate>({
    id: PATH_ID,
    apps: list(groupApp),
    groups: list(readGroupUpdate),
    dependencies: list(PATH_ID),
    scaleBy: num({ min: 0 }),
    version: str(),
    enforceRole: bool,
  })(r, v, p);

export interface GroupParseOptions {
  /** The group in the URL (PUT/POST /v2/groups/{groupId}); '/' for /v2/groups. */
  groupId: string;
  /** Stamped into every app and group the update names. */
  version: Timestamp;
  defaultRole?: string;
  validRoles?: readonly string[];
}

/**
 * Parses a GroupUpdate body. `{"version": ts}` is a rollback and `{"scaleBy": f}` a scale; either
 * next to any other field is refused ("not allowed in conjunction with other properties."). Otherwise
 * nested ids resolve against their group, and every app must be a direct child of its group.
 */
export function parseGroupUpdate(raw: unknown, opts: GroupParseOptions): GroupUpdate {
  const r = new JsonReader();
  const body = readGroupUpdate(r, raw, '');
  r.throwIfFailed();
  const update = body!;

  const given = Object.values(update).filter((v) => v !== undefined).length;
  const exclusive = new DetailCollector();
  for (const key of ['version', 'scaleBy'] as const) {
    if (update[key] !== undefined && given > 1) {
      exclusive.add(`/${key}`, 'not allowed in conjunction with other properties.');
    }
  }
  if (!exclusive.isEmpty) throw new ValidationError(exclusive.details());
  if (update.version !== undefined) return { kind: 'rollback', version: update.version };
  if (update.scaleBy !== undefined) return { kind: 'scale', scaleBy: update.scaleBy };

  const base = canonicalPathId(opts.groupId);
  const id = update.id === undefined ? base : canonicalPathId(update.id, base);
  const errors = new DetailCollector();
  for (const message of pathIdErrors(id)) errors.add('/id', message);
  const tree = parseNode(update, id, '', opts, errors);
  if (!errors.isEmpty) throw new ValidationError(errors.details());

  const groups: GroupMeta[] = [];
  const apps: AppDefinition[] = [];
  const flatten = (node: GroupUpdateNode): void => {
    groups.push({ id: node.id, dependencies: node.dependencies ?? [], version: opts.version });
    apps.push(...(node.apps ?? []));
    (node.groups ?? []).forEach(flatten);
  };
  flatten(tree);
  return { kind: 'update', id, groups, apps, tree };
}

function parseNode(
  raw: RawGroupUpdate,
  id: string,
  path: string,
  opts: GroupParseOptions,
  errors: DetailCollector,
): GroupUpdateNode {
  if (raw.enforceRole === true && pathSegments(id).length !== 1) {
    errors.add(
      `${path}/enforceRole`,
      `enforceRole can only be set for top-level groups, and ${id} is not top-level`,
    );
  }
  // An invalid app throws its own ValidationError (paths relative to the app), as Marathon does.
  const apps = raw.apps?.map((body, i) => {
    const app = parseAppDefinition(body, {
      base: id,
      version: opts.version,
      ...(opts.defaultRole !== undefined && { defaultRole: opts.defaultRole }),
      ...(opts.validRoles !== undefined && { validRoles: opts.validRoles }),
    });
    if (parentOf(app.id) !== id || app.id === id) {
      errors.add(`${path}/apps(${i})/id`, `Identifier is not child of '${id}'`);
    }
    return app;
  });
  const groups = raw.groups?.map((child, i) => {
    const at = `${path}/groups(${i})`;
    if (child.id === undefined) {
      errors.add(`${at}/id`, 'not defined');
      return { id };
    }
    const childId = canonicalPathId(child.id, id);
    for (const message of pathIdErrors(childId)) errors.add(`${at}/id`, message);
    if (parentOf(childId) !== id || childId === id) {
      errors.add(`${at}/id`, `Identifier is not child of '${id}'`);
    }
    return parseNode(child, childId, at, opts, errors);
  });
  return {
    id,
    ...(raw.dependencies && { dependencies: raw.dependencies.map((dep) => canonicalPathId(dep, id)) }),
    ...(apps && { apps }),
    ...(groups && { groups }),
  };
}

// ---- queries ----

export function groupExists(root: RootGroup, id: string): boolean {
  return canonicalPathId(id) in root.groups;
}

/** Every app in the group or below it, by id. */
export function appsUnder(root: RootGroup, groupId: string): AppDefinition[] {
  const id = canonicalPathId(groupId);
  return Object.values(root.apps)
    .filter((app) => isAncestorOf(id, app.id))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The group's direct subgroups, by id. */
export function childGroups(root: RootGroup, groupId: string): GroupMeta[] {
  const id = canonicalPathId(groupId);
  return Object.values(root.groups)
    .filter((g) => g.id !== id && parentOf(g.id) === id)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Every service port some app holds. */
export function usedServicePorts(root: RootGroup): Set<number> {
  return new Set(Object.values(root.apps).flatMap((app) => servicePortsOf(app).filter((p) => p !== 0)));
}

// ---- changes (all return a new RootGroup; each one moves every group to the new version, as Marathon does) ----

interface Draft {
  apps: Record<string, AppDefinition>;
  groups: Record<string, GroupMeta>;
}

function draftOf(root: RootGroup): Draft {
  return { apps: { ...root.apps }, groups: { ...root.groups } };
}

/** The draft as a root at `version`: implied parent groups created, every group stamped. */
function finishRoot(draft: Draft, version: Timestamp): RootGroup {
  const ids = new Set(['/', ...Object.keys(draft.groups), ...Object.keys(draft.apps).map(parentOf)]);
  for (const id of [...ids]) for (let p = id; p !== '/'; p = parentOf(p)) ids.add(parentOf(p));
  const groups: Record<string, GroupMeta> = {};
  for (const id of [...ids].sort()) {
    groups[id] = { id, dependencies: [...(draft.groups[id]?.dependencies ?? [])], version };
  }
  const clash = Object.keys(draft.apps).find((id) => id in groups);
  if (clash !== undefined) {
    throw ValidationError.single('/', 'Groups and Applications may not have the same identifier.');
  }
  return { apps: draft.apps, groups, version };
}

/** The root with every group moved to `version` (Marathon restamps the whole tree on each change). */
export function stampRootVersion(root: RootGroup, version: Timestamp): RootGroup {
  return finishRoot(draftOf(root), version);
}

function deleteSubtree(draft: Draft, id: string, keepSelf: boolean): void {
  for (const appId of Object.keys(draft.apps)) if (isAncestorOf(id, appId)) delete draft.apps[appId];
  for (const groupId of Object.keys(draft.groups)) {
    if (isAncestorOf(id, groupId) || (!keepSelf && groupId === id)) delete draft.groups[groupId];
  }
}

export interface ApplyOptions {
  version: Timestamp;
  /** PUT: the group's subtree becomes what the update says; POST (false): the update is added. */
  replace: boolean;
  portRange?: { min: number; max: number };
}

/**
 * Applies a parsed update to the group `groupId`. With `replace` and a `tree` this is Marathon's PUT:
 * a group whose body lists `apps` (or `groups`) keeps exactly those, one that leaves them out keeps
 * its current ones. Without a tree, `replace` makes the subtree exactly the flat lists. Service ports
 * are assigned and unchanged apps keep their versions.
 */
export function applyGroupUpdate(
  root: RootGroup,
  groupId: string,
  update: { groups: GroupMeta[]; apps: AppDefinition[]; tree?: GroupUpdateNode },
  opts: ApplyOptions,
): RootGroup {
  const draft = draftOf(root);
  const target = canonicalPathId(groupId);
  const used = usedServicePorts(root);
  for (const app of update.apps) for (const port of servicePortsOf(app)) if (port !== 0) used.add(port);
  const putApp = (app: AppDefinition): void => {
    const before = root.apps[app.id];
    const assigned = assignServicePorts(app, used, opts.portRange, before);
    for (const port of servicePortsOf(assigned)) used.add(port);
    draft.apps[app.id] = stampVersion(before, assigned, opts.version);
  };
  const putGroup = (meta: { id: string; dependencies?: string[] }): void => {
    const deps = meta.dependencies ?? draft.groups[meta.id]?.dependencies ?? [];
    draft.groups[meta.id] = { id: meta.id, dependencies: [...deps], version: opts.version };
  };

  if (opts.replace && update.tree !== undefined) {
    const applyNode = (node: GroupUpdateNode): void => {
      putGroup(node);
      if (node.apps !== undefined) {
        const keep = new Set(node.apps.map((a) => a.id));
        for (const id of Object.keys(draft.apps)) {
          if (parentOf(id) === node.id && !keep.has(id)) delete draft.apps[id];
        }
        node.apps.forEach(putApp);
      }
      if (node.groups !== undefined) {
        const keep = new Set(node.groups.map((g) => g.id));
        for (const g of Object.values(draft.groups)) {
          if (g.id !== node.id && parentOf(g.id) === node.id && !keep.has(g.id)) {
            deleteSubtree(draft, g.id, false);
          }
        }
        node.groups.forEach(applyNode);
      }
    };
    applyNode(update.tree);
  } else {
    if (opts.replace) {
      const keepApps = new Set(update.apps.map((a) => a.id));
      const keepGroups = new Set(update.groups.map((g) => g.id));
      for (const id of Object.keys(draft.apps)) {
        if (isAncestorOf(target, id) && !keepApps.has(id)) delete draft.apps[id];
      }
      for (const id of Object.keys(draft.groups)) {
        if (isAncestorOf(target, id) && !keepGroups.has(id)) delete draft.groups[id];
      }
    }
    putGroup({ id: target });
    update.groups.forEach(putGroup);
    update.apps.forEach(putApp);
  }
  return finishRoot(draft, opts.version);
}

/** Adds or replaces one app (creating its parent groups); the app is stored as given. */
export function putApp(root: RootGroup, app: AppDefinition, version: Timestamp): RootGroup {
  const draft = draftOf(root);
  draft.apps[app.id] = app;
  return finishRoot(draft, version);
}

export function removeApp(root: RootGroup, appId: string, version: Timestamp): RootGroup {
  const draft = draftOf(root);
  delete draft.apps[canonicalPathId(appId)];
  return finishRoot(draft, version);
}

/**
 * {"scaleBy": f}: every app in the group or below gets ceil(instances * f) instances, stamped as a
 * scale. A missing group is created empty, as Marathon does.
 */
export function scaleGroup(root: RootGroup, groupId: string, factor: number, version: Timestamp): RootGroup {
  const draft = draftOf(root);
  const id = canonicalPathId(groupId);
  draft.groups[id] ??= { id, dependencies: [], version };
  for (const app of appsUnder(root, id)) {
    draft.apps[app.id] = stampVersion(app, { ...app, instances: Math.ceil(app.instances * factor) }, version);
  }
  return finishRoot(draft, version);
}

/** Removes the group and everything in it; removing '/' empties the root. */
export function removeGroup(root: RootGroup, groupId: string, version: Timestamp): RootGroup {
  const id = canonicalPathId(groupId);
  const draft = draftOf(root);
  deleteSubtree(draft, id, id === '/');
  if (id === '/') draft.groups['/'] = { id: '/', dependencies: [], version };
  return finishRoot(draft, version);
}

// ---- dependencies ----

/**
 * RootGroup.applicationDependencies: app -> app edges. A group's dependency on a group links all apps
 * below the one to all apps below the other; an app's dependency names an app or a group. Ids that
 * are neither are ignored, as in Marathon.
 */
function dependencyEdges(root: RootGroup): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>(Object.keys(root.apps).map((id) => [id, new Set<string>()]));
  const below = (groupId: string): string[] =>
    groupId === '/' ? Object.keys(root.apps) : appsUnder(root, groupId).map((a) => a.id);
  for (const group of Object.values(root.groups)) {
    for (const dep of group.dependencies) {
      if (!(dep in root.groups)) continue;
      for (const from of below(group.id)) for (const to of below(dep)) edges.get(from)!.add(to);
    }
  }
  for (const app of Object.values(root.apps)) {
    for (const dep of app.dependencies) {
      const targets = dep in root.apps ? [dep] : dep in root.groups ? below(dep) : [];
      for (const to of targets) edges.get(app.id)!.add(to);
    }
  }
  return edges;
}

function hasCycle(edges: Map<string, Set<string>>): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) if (visit(next)) return true;
    state.set(id, 'done');
    return false;
  };
  return [...edges.keys()].some(visit);
}

/**
 * "Dependency graph has cyclic dependencies." when apps depend on each other in a cycle (a group
 * depending on its own subgroup is one). Marathon ignores dependencies on ids that do not exist;
 * `requireExisting` refuses them instead.
 */
export function validateRootDependencies(
  root: RootGroup,
  opts: { requireExisting?: boolean } = {},
): ValidationError | null {
  const errors = new DetailCollector();
  if (hasCycle(dependencyEdges(root))) errors.add('/', 'Dependency graph has cyclic dependencies.');
  if (opts.requireExisting) {
    const owners = [...Object.values(root.groups), ...Object.values(root.apps)];
    for (const owner of owners) {
      owner.dependencies.forEach((dep, i) => {
        if (!(dep in root.apps) && !(dep in root.groups)) {
          errors.add(
            `${owner.id === '/' ? '' : owner.id}/dependencies(${i})`,
            `Dependency ${dep} does not exist`,
          );
        }
      });
    }
  }
  return errors.isEmpty ? null : new ValidationError(errors.details());
}
