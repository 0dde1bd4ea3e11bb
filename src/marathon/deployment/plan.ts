// Marathon's deployment planner (DeploymentPlan.apply / revert), pure: from an original and a target
// root group to the ordered steps that take the cluster from one to the other. No I/O, no clock.
import type {
  AppDefinition,
  DeploymentAction,
  DeploymentPlan,
  DeploymentStep,
  GroupMeta,
  RootGroup,
  Timestamp,
} from '../model/types.js';

export interface PlanOptions {
  /** The plan's UUID. */
  id: string;
  /**
   * Instances to kill first when an app is only scaled (kill-and-scale, `DELETE .../tasks/{id}?scale=true`):
   * they end up in that app's ScaleApplication as `sentencedInstanceIds`.
   */
  toKill?: Readonly<Record<string, readonly string[]>>;
}

/** The `steps` of a deployment as the REST API renders them (`/v2/deployments`, deployment events). */
export interface StepJson {
  actions: Array<{ action: DeploymentAction['action']; app: string }>;
}

export function computeDeploymentPlan(
  original: RootGroup,
  target: RootGroup,
  opts: PlanOptions,
): DeploymentPlan {
  const removed = Object.keys(original.apps)
    .filter((id) => !(id in target.apps))
    .sort();
  const added = Object.keys(target.apps)
    .filter((id) => !(id in original.apps))
    .sort();

  const steps: DeploymentStep[] = [
    { actions: removed.map((app) => ({ action: 'StopApplication', app })) },
    // A no-op placeholder Marathon keeps "for backward compatibility"; the scale step does the work.
    { actions: added.map((app) => ({ action: 'StartApplication', app, scaleTo: 0 })) },
  ];

  const changed = Object.keys(target.apps).filter((id) => !sameJson(original.apps[id], target.apps[id]));
  for (const layer of layersByLongestDependencyPath(changed, target)) {
    const actions: DeploymentAction[] = [];
    for (const id of layer) {
      const action = actionFor(original.apps[id], target.apps[id], opts.toKill?.[id]);
      if (action) actions.push(action);
    }
    steps.push({ actions });
  }

  return {
    id: opts.id,
    version: target.version,
    original,
    target,
    steps: steps.filter((step) => step.actions.length > 0),
  };
}

/** What one app needs in the dependency-ordered part of the plan (undefined: nothing). */
function actionFor(
  before: AppDefinition | undefined,
  after: AppDefinition,
  toKill: readonly string[] | undefined,
): DeploymentAction | undefined {
  if (!before) return { action: 'ScaleApplication', app: after.id, scaleTo: after.instances };
  const scale = (): DeploymentAction => ({
    action: 'ScaleApplication',
    app: after.id,
    scaleTo: after.instances,
    ...(toKill && toKill.length > 0 ? { sentencedInstanceIds: [...toKill] } : {}),
  });
  if (sameJson(configOf(before), configOf(after)))
    return before.instances !== after.instances ? scale() : undefined;
  // Scaling to 0 never needs a rolling restart, even together with a config change (as in Marathon).
  return after.instances === 0 ? scale() : { action: 'RestartApplication', app: after.id };
}

/**
 * The part of a definition whose change means new tasks: everything except the instance count and the
 * version stamps, but including lastConfigChangeAt, which `POST /v2/apps/{id}/restart` bumps as a
 * restart marker.
 */
function configOf(app: AppDefinition): AppDefinition {
  return {
    ...app,
    instances: 0,
    version: '',
    versionInfo: { lastScalingAt: '', lastConfigChangeAt: app.versionInfo.lastConfigChangeAt },
  };
}

/**
 * Marathon's "layered topological sort": each app's rank is the number of apps on its longest
 * dependency path in `root` (1 = no dependencies), counted over the whole tree, not only the given apps.
 * Returns the given app ids grouped by rank, lowest first, each layer sorted by id.
 */
function layersByLongestDependencyPath(ids: string[], root: RootGroup): string[][] {
  const edges = dependencyEdges(root);
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  const rankOf = (id: string): number => {
    const known = rank.get(id);
    if (known !== undefined) return known;
    // Validation rejects cycles; if one slips through, the back edge is ignored instead of recursing forever.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let longest = 0;
    for (const dep of edges.get(id) ?? []) longest = Math.max(longest, rankOf(dep));
    visiting.delete(id);
    rank.set(id, longest + 1);
    return longest + 1;
  };

  const layers = new Map<number, string[]>();
  for (const id of [...ids].sort()) {
    const r = rankOf(id);
    const layer = layers.get(r);
    if (layer) layer.push(id);
    else layers.set(r, [id]);
  }
  return [...layers.entries()].sort(([a], [b]) => a - b).map(([, layer]) => layer);
}

/**
 * app id -> the app ids it depends on (RootGroup.applicationDependencies): an app's dependency on an
 * app is that app, on a group every app under it; a group's dependency makes every app under the
 * group depend on every app under the dependency. Self edges (an app depending on its own group) are
 * dropped.
 */
function dependencyEdges(root: RootGroup): Map<string, Set<string>> {
  const appIds = Object.keys(root.apps);
  const resolve = (dependencyId: string): string[] =>
    dependencyId in root.apps ? [dependencyId] : appsUnder(appIds, dependencyId, root);

  const edges = new Map<string, Set<string>>();
  const add = (from: string, to: string): void => {
    if (from === to) return;
    const set = edges.get(from);
    if (set) set.add(to);
    else edges.set(from, new Set([to]));
  };
  for (const app of Object.values(root.apps)) {
    for (const dep of app.dependencies) for (const to of resolve(dep)) add(app.id, to);
  }
  for (const group of Object.values(root.groups)) {
    if (group.dependencies.length === 0) continue;
    const members = appsUnder(appIds, group.id, root);
    for (const dep of group.dependencies) {
      const targets = resolve(dep);
      for (const from of members) for (const to of targets) add(from, to);
    }
  }
  return edges;
}

/** Every app transitively under the group `groupId` (none when there is no such group). */
function appsUnder(appIds: string[], groupId: string, root: RootGroup): string[] {
  if (!(groupId in root.groups)) return [];
  if (groupId === '/') return appIds;
  return appIds.filter((id) => id.startsWith(groupId + '/'));
}

/** Sorted ids of the apps any step of the plan acts on. */
export function affectedApps(plan: DeploymentPlan): string[] {
  const ids = new Set<string>();
  for (const step of plan.steps) for (const action of step.actions) ids.add(action.app);
  return [...ids].sort();
}

export function isPlanEmpty(plan: DeploymentPlan): boolean {
  return plan.steps.length === 0;
}

export function describePlanSteps(plan: DeploymentPlan): StepJson[] {
  return plan.steps.map((step) => ({ actions: step.actions.map(({ action, app }) => ({ action, app })) }));
}

/**
 * The root to deploy when the plan is cancelled without force (DeploymentPlanReverter): the plan's
 * own changes are undone on `current`, which may meanwhile hold changes of other deployments; those
 * stay. Apps whose definition the plan changed get their original definition back (created apps are
 * removed, deleted ones restored); group dependency changes are reversed and groups the plan created
 * are removed again once empty.
 */
export function revertPlanTarget(plan: DeploymentPlan, current: RootGroup, version: Timestamp): RootGroup {
  const { original, target } = plan;
  const apps: Record<string, AppDefinition> = { ...current.apps };
  const groups: Record<string, GroupMeta> = { ...current.groups };

  const setGroup = (id: string, dependencies: string[]): void => {
    groups[id] = { ...(groups[id] ?? original.groups[id] ?? { id }), id, dependencies, version };
  };
  const ensureParents = (id: string): void => {
    for (const parent of ancestorsOf(id)) {
      if (!(parent in groups)) setGroup(parent, original.groups[parent]?.dependencies ?? []);
    }
  };

  // Apps first, so that the group pass below sees which groups became empty.
  const appIds = new Set([...Object.keys(original.apps), ...Object.keys(target.apps)]);
  for (const id of [...appIds].sort()) {
    const before = original.apps[id];
    if (sameJson(before, target.apps[id])) continue;
    if (before) {
      apps[id] = before;
      ensureParents(id);
    } else {
      delete apps[id];
    }
  }

  // Inner groups first, so that an outer group created by the plan is seen empty after its children go.
  const groupIds = new Set([...Object.keys(original.groups), ...Object.keys(target.groups)]);
  for (const id of [...groupIds].sort().reverse()) {
    const before = original.groups[id];
    const after = target.groups[id];
    const now = groups[id];
    if (before && !after) {
      // Removed by the plan: bring it back with at least its old dependencies.
      setGroup(id, union(now?.dependencies ?? [], before.dependencies));
      ensureParents(id);
    } else if (before && after) {
      const removedDeps = before.dependencies.filter((d) => !after.dependencies.includes(d));
      const addedDeps = after.dependencies.filter((d) => !before.dependencies.includes(d));
      if (removedDeps.length > 0 || addedDeps.length > 0) {
        const deps = union(now?.dependencies ?? [], removedDeps).filter((d) => !addedDeps.includes(d));
        setGroup(id, deps);
        ensureParents(id);
      }
    } else if (after && now) {
      // Created by the plan: drop it if nothing else has been put in it since; otherwise only take
      // back the dependencies the plan gave it.
      if (isEmptyGroup(id, apps, groups) && sameJson(now.dependencies, after.dependencies)) delete groups[id];
      else if (after.dependencies.length > 0) {
        setGroup(
          id,
          now.dependencies.filter((d) => !after.dependencies.includes(d)),
        );
      }
    }
  }

  groups['/'] = { ...(groups['/'] ?? { id: '/', dependencies: [] }), version };
  return { apps, groups, version };
}

/** '/a/b/c' -> ['/', '/a', '/a/b'] */
function ancestorsOf(id: string): string[] {
  const segments = id.split('/').filter((s) => s.length > 0);
  const out = ['/'];
  for (let i = 1; i < segments.length; i++) out.push('/' + segments.slice(0, i).join('/'));
  return out;
}

function isEmptyGroup(
  id: string,
  apps: Record<string, AppDefinition>,
  groups: Record<string, GroupMeta>,
): boolean {
  const prefix = id === '/' ? '/' : id + '/';
  return (
    !Object.keys(apps).some((a) => a.startsWith(prefix)) &&
    !Object.keys(groups).some((g) => g !== id && g.startsWith(prefix))
  );
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Structural equality of JSON-like values; an `undefined` property counts as absent. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!sameJson(ao[k], bo[k])) return false;
  return true;
}
