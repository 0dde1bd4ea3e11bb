// A package in the DC/OS Universe layout: package.json (metadata), config.json (a JSON Schema of
// the options, with defaults), marathon.json.mustache (a Marathon app or group) or, ours,
// chronos.json.mustache (a Chronos job), and optionally resource.json (artifact URIs). Pure:
// parsePackage gets the files' text; repository.ts reads them from disk.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkSchema, type JsonSchema } from './json-schema.js';
import { parseTemplate } from './mustache.js';

export class PackageError extends Error {
  override name = 'PackageError';
}

export interface PackageLicense {
  name: string;
  url: string;
}

/** package.json, with Universe's field names. */
export interface PackageMetadata {
  packagingVersion?: string;
  name: string;
  version: string;
  description: string;
  maintainer: string;
  tags: string[];
  /** A framework registers with the master itself (Universe: uninstall must also tear it down). */
  framework?: boolean;
  website?: string;
  scm?: string;
  licenses?: PackageLicense[];
  preInstallNotes?: string;
  postInstallNotes?: string;
  postUninstallNotes?: string;
}

/** resource.json: `assets.uris` names the artifacts a template fetches (`{{resource.assets.uris.x}}`). */
export interface PackageResource {
  assets?: { uris?: Record<string, string> };
  images?: Record<string, unknown>;
}

/** Which scheduler the template is for. */
export type TemplateKind = 'marathon' | 'chronos';

export const TEMPLATE_FILES: Record<TemplateKind, string> = {
  marathon: 'marathon.json.mustache',
  chronos: 'chronos.json.mustache',
};

export interface SandboxPackage {
  /** The package's directory (absolute). */
  dir: string;
  metadata: PackageMetadata;
  /** config.json. */
  options: JsonSchema;
  template: { kind: TemplateKind; file: string; text: string };
  resource: PackageResource;
}

/** The text of a package's files by file name; undefined for a file that is absent. */
export type PackageFiles = Partial<Record<string, string>>;

const NAME = /^[a-z][a-z0-9-]*$/;
const REQUIRED_TEXT = ['name', 'version', 'description', 'maintainer'] as const;
const OPTIONAL_TEXT = [
  'packagingVersion',
  'website',
  'scm',
  'preInstallNotes',
  'postInstallNotes',
  'postUninstallNotes',
] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(files: PackageFiles, file: string, dir: string): unknown {
  const text = files[file];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new PackageError(`${dir}/${file}: not valid JSON: ${(e as Error).message}`);
  }
}

function checkMetadata(raw: unknown, dirName: string): string[] {
  if (!isRecord(raw)) return ['must be a JSON object'];
  const problems: string[] = [];
  for (const field of REQUIRED_TEXT) {
    if (typeof raw[field] !== 'string' || raw[field] === '')
      problems.push(`${field}: a non-empty string is required`);
  }
  for (const field of OPTIONAL_TEXT) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string')
      problems.push(`${field}: must be a string`);
  }
  if (typeof raw.name === 'string' && raw.name !== '') {
    if (!NAME.test(raw.name)) problems.push(`name: '${raw.name}' must be lower case letters, digits and '-'`);
    else if (raw.name !== dirName)
      problems.push(`name: '${raw.name}' differs from its directory's name '${dirName}'`);
  }
  if (!Array.isArray(raw.tags) || !raw.tags.every((t) => typeof t === 'string'))
    problems.push('tags: an array of strings is required');
  if (raw.framework !== undefined && typeof raw.framework !== 'boolean')
    problems.push('framework: must be a boolean');
  if (
    raw.licenses !== undefined &&
    (!Array.isArray(raw.licenses) ||
      !raw.licenses.every((l) => isRecord(l) && typeof l.name === 'string' && typeof l.url === 'string'))
  )
    problems.push('licenses: must be an array of {"name", "url"}');
  return problems;
}

function checkResource(raw: unknown): string[] {
  if (!isRecord(raw)) return ['must be a JSON object'];
  if (raw.assets === undefined) return [];
  if (!isRecord(raw.assets)) return ['assets: must be an object'];
  const uris = raw.assets.uris;
  if (uris === undefined) return [];
  if (!isRecord(uris)) return ['assets.uris: must be an object of name: URI'];
  return Object.entries(uris)
    .filter(([, v]) => typeof v !== 'string' || v === '')
    .map(([k]) => `assets.uris.${k}: must be a non-empty string`);
}

/**
 * An artifact URI as the agent's fetcher takes it. Universe URIs are absolute; a relative path here
 * names a file shipped in the package directory, which becomes a file:// URI.
 */
function resolveArtifact(uri: string, dir: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) return uri;
  return pathToFileURL(isAbsolute(uri) ? uri : resolve(dir, uri)).href;
}

/** Validates a package's files; every problem is named by file and field. */
export function parsePackage(dir: string, files: PackageFiles): SandboxPackage {
  const dirName = dir.split('/').filter(Boolean).pop() ?? dir;
  const fail = (file: string, problems: string[]): never => {
    throw new PackageError(`${dir}/${file}: ${problems.join('; ')}`);
  };

  const metadata = parseJson(files, 'package.json', dir);
  if (metadata === undefined) fail('package.json', ['missing']);
  const metadataProblems = checkMetadata(metadata, dirName);
  if (metadataProblems.length > 0) fail('package.json', metadataProblems);

  const options = parseJson(files, 'config.json', dir) ?? { type: 'object', properties: {} };
  const schemaProblems = checkSchema(options);
  if (schemaProblems.length > 0) fail('config.json', schemaProblems);
  if (!isRecord(options) || (options.type !== undefined && options.type !== 'object'))
    fail('config.json', ['type: the options schema must describe an object']);

  const kinds = (Object.keys(TEMPLATE_FILES) as TemplateKind[]).filter(
    (k) => files[TEMPLATE_FILES[k]] !== undefined,
  );
  if (kinds.length !== 1) {
    const names = Object.values(TEMPLATE_FILES).join(' or ');
    fail(kinds.length === 0 ? names : kinds.map((k) => TEMPLATE_FILES[k]).join(' and '), [
      kinds.length === 0 ? 'missing: a package needs one template' : 'a package has one template, not both',
    ]);
  }
  const kind = kinds[0]!;
  const file = TEMPLATE_FILES[kind];
  const text = files[file]!;
  try {
    parseTemplate(text);
  } catch (e) {
    fail(file, [(e as Error).message]);
  }

  const rawResource = parseJson(files, 'resource.json', dir) ?? {};
  const resourceProblems = checkResource(rawResource);
  if (resourceProblems.length > 0) fail('resource.json', resourceProblems);
  const resource = rawResource as PackageResource;
  const uris = resource.assets?.uris;
  if (uris) {
    resource.assets = {
      ...resource.assets,
      uris: Object.fromEntries(Object.entries(uris).map(([k, v]) => [k, resolveArtifact(v, dir)])),
    };
  }

  return {
    dir,
    metadata: metadata as PackageMetadata,
    options: options as JsonSchema,
    template: { kind, file, text },
    resource,
  };
}
