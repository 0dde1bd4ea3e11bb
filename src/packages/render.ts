// From a package and the user's options to what is POSTed: options merged with the schema's
// defaults and validated, the template rendered with them, the result parsed and labelled so the
// package can be found again for uninstall. Pure.
import { applyDefaults, validate } from './json-schema.js';
import { renderTemplate } from './mustache.js';
import { PackageError, type SandboxPackage } from './package.js';

/** On every app a package installs (what DCOS_PACKAGE_NAME is on DC/OS), and on Chronos jobs as an env var. */
export const PACKAGE_NAME_LABEL = 'MESOS_SANDBOX_PACKAGE_NAME';
export const PACKAGE_VERSION_LABEL = 'MESOS_SANDBOX_PACKAGE_VERSION';
/** On the apps of a group a package installs: the group to delete on uninstall. */
export const PACKAGE_GROUP_LABEL = 'MESOS_SANDBOX_PACKAGE_GROUP';

export class OptionsError extends PackageError {
  override name = 'OptionsError';
  constructor(
    readonly packageName: string,
    readonly problems: string[],
  ) {
    super(`invalid options for package '${packageName}':\n  ${problems.join('\n  ')}`);
  }
}

/** The cluster's endpoints, as `{{sandbox.*}}` in templates. */
export interface SandboxContext {
  /** `zk://host:port,.../` as in `sandbox info`. */
  zookeeper: string;
  /** `host:port,host:port`: what ZooKeeper clients take. */
  zookeeperHosts: string;
  mesos: string;
  master?: string;
  marathon?: string;
  chronos?: string;
  /** The package's own directory (absolute). */
  packageDir: string;
}

export type JsonObject = Record<string, unknown>;

export type RenderedPackage =
  | { kind: 'marathon-app'; id: string; definition: JsonObject; artifacts: string[] }
  | { kind: 'marathon-group'; id: string; definition: JsonObject; artifacts: string[] }
  | { kind: 'chronos-job'; id: string; definition: JsonObject; artifacts: string[] };

function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The user's options (from `--options file.json`) over the schema's defaults, validated. */
export function resolveOptions(pkg: SandboxPackage, userOptions: unknown = {}): JsonObject {
  const name = pkg.metadata.name;
  if (!isRecord(userOptions)) throw new OptionsError(name, ['(root): the options must be a JSON object']);
  const merged = applyDefaults(pkg.options, userOptions);
  const problems = validate(pkg.options, merged);
  if (problems.length > 0) throw new OptionsError(name, problems);
  return merged as JsonObject;
}

function artifactsOf(definition: JsonObject): string[] {
  const uris = Array.isArray(definition.uris) ? definition.uris.filter((u) => typeof u === 'string') : [];
  const fetch = Array.isArray(definition.fetch)
    ? definition.fetch.flatMap((f) => (isRecord(f) && typeof f.uri === 'string' ? [f.uri] : []))
    : [];
  return [...uris, ...fetch] as string[];
}

function appsOf(group: JsonObject): JsonObject[] {
  const apps = Array.isArray(group.apps) ? group.apps.filter(isRecord) : [];
  const groups = Array.isArray(group.groups) ? group.groups.filter(isRecord) : [];
  return [...apps, ...groups.flatMap(appsOf)];
}

function absoluteId(id: string): string {
  return id.startsWith('/') ? id : `/${id}`;
}

function withLabels(app: JsonObject, labels: Record<string, string>): void {
  app.labels = { ...(isRecord(app.labels) ? app.labels : {}), ...labels };
}

/** Renders the package's template with resolved options: the app, group or job to submit. */
export function renderPackage(
  pkg: SandboxPackage,
  options: JsonObject,
  sandbox: SandboxContext,
): RenderedPackage {
  const { name, version } = pkg.metadata;
  const file = pkg.template.file;
  const { text, missing } = renderTemplate(pkg.template.text, {
    ...options,
    resource: pkg.resource,
    sandbox,
  });
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (e) {
    const hint = missing.length > 0 ? ` (these names had no value: ${missing.join(', ')})` : '';
    throw new PackageError(`${pkg.dir}/${file} did not render to valid JSON: ${(e as Error).message}${hint}`);
  }
  if (!isRecord(definition)) throw new PackageError(`${pkg.dir}/${file} must render to a JSON object`);
  const labels = { [PACKAGE_NAME_LABEL]: name, [PACKAGE_VERSION_LABEL]: version };

  if (pkg.template.kind === 'chronos') {
    if (typeof definition.name !== 'string' || definition.name === '')
      throw new PackageError(`${pkg.dir}/${file}: the job has no "name"`);
    const env = Array.isArray(definition.environmentVariables) ? definition.environmentVariables : [];
    definition.environmentVariables = [
      ...env.filter((e) => !(isRecord(e) && e.name === PACKAGE_NAME_LABEL)),
      { name: PACKAGE_NAME_LABEL, value: name },
    ];
    return {
      kind: 'chronos-job',
      id: definition.name,
      definition,
      artifacts: [...new Set(artifactsOf(definition))],
    };
  }

  if (typeof definition.id !== 'string' || definition.id === '')
    throw new PackageError(`${pkg.dir}/${file}: the app or group has no "id"`);
  const id = absoluteId(definition.id);
  if (Array.isArray(definition.apps) || Array.isArray(definition.groups)) {
    const apps = appsOf(definition);
    if (apps.length === 0) throw new PackageError(`${pkg.dir}/${file}: the group has no apps`);
    for (const app of apps) withLabels(app, { ...labels, [PACKAGE_GROUP_LABEL]: id });
    const artifacts = [...new Set(apps.flatMap(artifactsOf))];
    return { kind: 'marathon-group', id, definition, artifacts };
  }
  withLabels(definition, labels);
  return { kind: 'marathon-app', id, definition, artifacts: [...new Set(artifactsOf(definition))] };
}
