// Installing and uninstalling packages on a running cluster: the thin I/O shell around render.ts.
// Install renders, checks the artifacts can be fetched, and submits to Marathon (/v2/apps or
// /v2/groups) or Chronos (/v1/scheduler/iso8601 or /dependency). Uninstall finds what a package
// installed by its label (Marathon) or environment variable (Chronos) and deletes it.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClusterInfo } from '../cluster/lifecycle.js';
import { getJson, postJson, sendRequest, type PostResult } from '../util/http-client.js';
import { checkArtifacts } from './artifacts.js';
import { PackageError, type SandboxPackage } from './package.js';
import {
  PACKAGE_GROUP_LABEL,
  PACKAGE_NAME_LABEL,
  renderPackage,
  resolveOptions,
  type RenderedPackage,
  type SandboxContext,
} from './render.js';

export interface InstallOptions {
  /** The parsed `--options` file. */
  userOptions?: unknown;
  /** For the artifact check; default 5 s. */
  artifactTimeoutMs?: number;
  /**
   * Where the agents see a file of this machine (the cluster driver's Driver.shareFile). Without it,
   * file:// artifacts are passed as they are, which suits agents on this machine.
   */
  shareFile?: (hostFile: string) => Promise<string>;
}

export interface InstallResult {
  rendered: RenderedPackage;
  /** Where it went: Marathon's or Chronos's URL. */
  endpoint: string;
}

export interface RemovedItem {
  kind: 'marathon-app' | 'marathon-group' | 'chronos-job';
  id: string;
}

export function sandboxContext(info: ClusterInfo, pkg: SandboxPackage): SandboxContext {
  return {
    zookeeper: info.zookeeper,
    zookeeperHosts: info.zookeeper.replace(/^zk:\/\//, '').replace(/\/.*$/, ''),
    mesos: info.mesos,
    ...(info.master ? { master: info.master } : {}),
    ...(info.marathon ? { marathon: info.marathon } : {}),
    ...(info.chronos ? { chronos: info.chronos } : {}),
    packageDir: pkg.dir,
  };
}

/** Marathon's and Chronos's error bodies: `{"message", "details": [{path, errors}]}`. */
function errorBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      message?: unknown;
      details?: Array<{ path?: string; errors?: string[] }>;
    };
    const details = (parsed.details ?? []).map((d) => `${d.path ?? ''}: ${(d.errors ?? []).join(', ')}`);
    if (typeof parsed.message === 'string') return [parsed.message, ...details].join('; ');
  } catch {
    // not JSON: the text as it came
  }
  return body.trim() || '(empty body)';
}

function refused(what: string, res: PostResult | { status: number; body: string }): PackageError {
  return new PackageError(`${what} answered HTTP ${res.status}: ${errorBody(res.body)}`);
}

function need(info: ClusterInfo, role: 'marathon' | 'chronos', pkg: string): string {
  const url = info[role];
  if (!url) {
    const flag = role === 'marathon' ? '--no-marathon' : '--no-chronos';
    throw new PackageError(
      `package '${pkg}' needs ${role}, which cluster '${info.name}' does not run (up ${flag}?)`,
    );
  }
  return url;
}

/** `pkg` with its file:// artifacts replaced by the copies `shareFile` made visible to the agents. */
async function withSharedArtifacts(
  pkg: SandboxPackage,
  shareFile: ((hostFile: string) => Promise<string>) | undefined,
): Promise<SandboxPackage> {
  const uris = pkg.resource.assets?.uris;
  if (!shareFile || !uris) return pkg;
  const shared: Record<string, string> = {};
  for (const [key, uri] of Object.entries(uris)) {
    // A missing file stays as it is, for checkArtifacts to name.
    const path = uri.startsWith('file:') ? fileURLToPath(uri) : null;
    shared[key] = path && existsSync(path) ? pathToFileURL(await shareFile(path)).href : uri;
  }
  return { ...pkg, resource: { ...pkg.resource, assets: { ...pkg.resource.assets, uris: shared } } };
}

/** Renders `pkg` with the options and submits it to the cluster. */
export async function installPackage(
  original: SandboxPackage,
  info: ClusterInfo,
  opts: InstallOptions = {},
): Promise<InstallResult> {
  const name = original.metadata.name;
  const options = resolveOptions(original, opts.userOptions ?? {});
  const pkg = await withSharedArtifacts(original, opts.shareFile);
  const rendered = renderPackage(pkg, options, sandboxContext(info, pkg));
  const endpoint = need(info, rendered.kind === 'chronos-job' ? 'chronos' : 'marathon', name);
  await checkArtifacts(name, rendered.artifacts, opts.artifactTimeoutMs);

  if (rendered.kind === 'chronos-job') {
    // Chronos replaces a job POSTed under an existing name; a second install must not do so silently.
    const existing = await jobNamed(endpoint, rendered.id);
    if (existing) throw new PackageError(`Chronos already has a job '${rendered.id}' (installed before?)`);
    const path = Array.isArray(rendered.definition.parents) ? 'dependency' : 'iso8601';
    const res = await postJson(`${endpoint}/v1/scheduler/${path}`, rendered.definition);
    if (res.status >= 300) throw refused(`Chronos (POST /v1/scheduler/${path})`, res);
  } else {
    const path = rendered.kind === 'marathon-group' ? '/v2/groups' : '/v2/apps';
    const res = await postJson(`${endpoint}${path}`, rendered.definition);
    if (res.status >= 300) throw refused(`Marathon (POST ${path})`, res);
  }
  return { rendered, endpoint };
}

interface MarathonApp {
  id: string;
  labels?: Record<string, string>;
}

interface ChronosJob {
  name: string;
  environmentVariables?: Array<{ name: string; value: string }>;
}

async function jobNamed(chronos: string, name: string): Promise<ChronosJob | undefined> {
  const jobs = await getJson<ChronosJob[]>(`${chronos}/v1/scheduler/jobs`);
  return jobs.find((j) => j.name === name);
}

/** What a package installed: Marathon apps and groups by label, Chronos jobs by environment variable. */
export async function installedBy(packageName: string, info: ClusterInfo): Promise<RemovedItem[]> {
  const items: RemovedItem[] = [];
  if (info.marathon) {
    const selector = encodeURIComponent(`${PACKAGE_NAME_LABEL}==${packageName}`);
    const { apps } = await getJson<{ apps: MarathonApp[] }>(`${info.marathon}/v2/apps?label=${selector}`);
    const groups = new Set<string>();
    for (const app of apps.filter((a) => a.labels?.[PACKAGE_NAME_LABEL] === packageName)) {
      const group = app.labels?.[PACKAGE_GROUP_LABEL];
      if (group) groups.add(group);
      else items.push({ kind: 'marathon-app', id: app.id });
    }
    for (const id of groups) items.push({ kind: 'marathon-group', id });
  }
  if (info.chronos) {
    const jobs = await getJson<ChronosJob[]>(`${info.chronos}/v1/scheduler/jobs`);
    for (const job of jobs) {
      const env = job.environmentVariables ?? [];
      if (env.some((e) => e.name === PACKAGE_NAME_LABEL && e.value === packageName))
        items.push({ kind: 'chronos-job', id: job.name });
    }
  }
  return items;
}

/**
 * Deletes what a package installed (only `id` when given: one of several installs). Marathon's
 * deletions are forced, so an app in the middle of a deployment goes too.
 */
export async function uninstallPackage(
  packageName: string,
  info: ClusterInfo,
  opts: { id?: string } = {},
): Promise<RemovedItem[]> {
  const all = await installedBy(packageName, info);
  const wanted = opts.id === undefined ? all : all.filter((i) => i.id === opts.id || i.id === `/${opts.id}`);
  if (wanted.length === 0) {
    const which = opts.id === undefined ? '' : ` as '${opts.id}'`;
    const others = all.length > 0 ? ` (it is installed as ${all.map((i) => i.id).join(', ')})` : '';
    throw new PackageError(
      `package '${packageName}' is not installed${which} on cluster '${info.name}'${others}`,
    );
  }
  for (const item of wanted) {
    const url =
      item.kind === 'chronos-job'
        ? `${info.chronos}/v1/scheduler/job/${encodeURIComponent(item.id)}`
        : `${info.marathon}/v2/${item.kind === 'marathon-group' ? 'groups' : 'apps'}${item.id}?force=true`;
    const res = await sendRequest('DELETE', url);
    if (res.status >= 300 && res.status !== 404)
      throw refused(`${item.kind === 'chronos-job' ? 'Chronos' : 'Marathon'} (DELETE ${item.id})`, res);
  }
  return wanted;
}
