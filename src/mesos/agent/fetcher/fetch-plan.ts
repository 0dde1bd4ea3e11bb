// What the Mesos fetcher (src/launcher/fetcher.cpp, src/slave/containerizer/fetcher.cpp) decides for
// each CommandInfo.URI before touching anything: where the file comes from, what it is called in the
// sandbox, whether and how it is unpacked, and its cache key. Pure: no I/O, so every rule is tested.
import { posix } from 'node:path';
import type { CommandURI } from '../../protocol/types.js';

/**
 * A fetch that failed. The message is what the Mesos fetcher reports: "Could not fetch: <why>" for a
 * URI that fails validation, "Failed to fetch '<uri>': <why>" for one that fails while fetching.
 */
export class FetchError extends Error {
  override readonly name = 'FetchError';

  constructor(
    message: string,
    /** CommandURI.value of the URI that failed. */
    readonly uri: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type FetchSource = { kind: 'http'; url: string } | { kind: 'local'; path: string };

/** How a fetched file is unpacked into the sandbox. gunzip writes `output` (relative to the sandbox). */
export type Unpack = { kind: 'tar' } | { kind: 'zip' } | { kind: 'gunzip'; output: string };

export interface FetchPlan {
  /** CommandURI.value, as given. */
  value: string;
  source: FetchSource;
  /** The URI's last path segment, as Mesos's Fetcher::basename takes it (a query string stays). */
  basename: string;
  /** Where the file goes, relative to the sandbox: output_file, else the basename. Normalized. */
  target: string;
  executable: boolean;
  /** CommandURI.extract (default true), false when executable: Mesos then only chmods. */
  extract: boolean;
  /**
   * How to unpack a file fetched straight into the sandbox. Mesos looks at the extension of the file
   * it wrote there, so an output_file without an archive extension is not unpacked.
   */
  unpackDirect: Unpack | null;
  /**
   * How to unpack a file copied from the cache. Mesos looks at the cache file's name, which keeps the
   * URI basename's extension; it unpacks straight from the cache and copies no archive to the sandbox.
   */
  unpackCached: Unpack | null;
  /** The fetcher cache key (`<user>@<uri>` or `<uri>`), null when CommandURI.cache is not set. */
  cacheKey: string | null;
}

export interface PlanOptions {
  /** The user the task runs as: Mesos keys (and directs) cache entries per user. */
  user?: string;
  /** Mesos's --frameworks_home: the base of relative paths; without it they are an error. */
  frameworksHome?: string;
}

const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'];

/** The extensions Mesos's fetcher unpacks (case-sensitive, as in Mesos); null for anything else. */
export function unpackFor(name: string): Unpack | null {
  if (TAR_SUFFIXES.some((suffix) => name.endsWith(suffix))) return { kind: 'tar' };
  if (name.endsWith('.zip')) return { kind: 'zip' };
  if (name.endsWith('.gz')) {
    // `gunzip -d -c` into the sandbox, named after the file without `.gz` (its directory dropped).
    const output = pathBasename(name.slice(0, -3));
    return output === '' || output === '.' || output === '..' || output === '/'
      ? null
      : { kind: 'gunzip', output };
  }
  return null;
}

/** stout's Path::basename: the last component, trailing slashes ignored; "." for "". */
function pathBasename(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * Mesos's Fetcher::basename: URIs are treated as file paths, so what follows the last `/` is the name,
 * query string and all ("there is a bug (or is it a feature?)" says the Mesos source).
 */
export function uriBasename(uri: string): string {
  if (/[\\'\0]/.test(uri)) throw new Error('Illegal characters in URI');
  const index = uri.indexOf('://');
  if (index > 1) {
    const path = uri.slice(index + 3);
    const slash = path.indexOf('/');
    if (slash < 0 || path.length <= slash + 1) throw new Error(`Malformed URI (missing path): ${uri}`);
    return path.slice(path.lastIndexOf('/') + 1);
  }
  return pathBasename(uri);
}

/** Mesos's Fetcher::validateOutputFile, plus the `..` escape Mesos leaves as a TODO. Returns it normalized. */
export function validateOutputFile(outputFile: string): string {
  if (outputFile.length === 0) throw new Error('URI output file path is empty');
  const inside = 'URI output file must be within the sandbox directory';
  if (outputFile.startsWith('/')) throw new Error(inside);
  const normalized = posix.normalize(outputFile);
  if (normalized === '..' || normalized.startsWith('../')) throw new Error(inside);
  return normalized;
}

/** Where a URI's bytes come from: Mesos's uriToLocalPath and isNetUri (leading whitespace trimmed). */
export function resolveSource(value: string, frameworksHome?: string): FetchSource {
  const uri = value.trimStart();
  const fileUri = uri.startsWith('file://');
  if (!fileUri && uri.includes('://')) {
    if (uri.startsWith('http://') || uri.startsWith('https://')) return { kind: 'http', url: uri };
    const scheme = uri.slice(0, uri.indexOf('://'));
    throw new Error(
      `Unsupported URI scheme '${scheme}': this agent fetches http://, https://, file:// and absolute paths`,
    );
  }
  let path = fileUri ? uri.slice('file://'.length) : uri;
  if (fileUri && path.startsWith('localhost')) path = path.slice('localhost'.length);
  if (!path.startsWith('/')) {
    if (fileUri) throw new Error('File URI only supports absolute paths');
    if (!frameworksHome) {
      throw new Error(
        'A relative path was passed for the resource but the Mesos framework home was not specified. ' +
          'Please either provide this config option or avoid using a relative path',
      );
    }
    path = posix.join(frameworksHome, path);
  }
  return { kind: 'local', path };
}

/** Mesos's cacheKey: entries are per user when the task has one. */
export function cacheKey(value: string, user?: string): string {
  return user === undefined ? value : `${user}@${value}`;
}

/**
 * Mesos's Cache::nextFilename: `c<serial>-<basename>`, a long basename cut to its first and last ten
 * characters, so the file keeps the URI's extension (extraction goes by it).
 */
export function cacheFilename(serial: number, basename: string): string {
  const short = basename.length > 20 ? `${basename.slice(0, 10)}_${basename.slice(-10)}` : basename;
  return `c${serial}-${short}`;
}

function isOneComponent(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\0]/.test(name);
}

function planOne(uri: CommandURI, opts: PlanOptions): Omit<FetchPlan, 'source'> {
  const value = uri.value.trimStart();
  const basename = uriBasename(value);
  let target: string;
  if (uri.output_file !== undefined) {
    target = validateOutputFile(uri.output_file);
  } else {
    target = basename;
    if (target === '' || target === '.' || target === '..' || target === '/') {
      throw new Error(`Cannot name the fetched file after '${uri.value}' (set output_file)`);
    }
  }
  if (target === '.' || target.endsWith('/')) throw new Error(`URI output file '${target}' is a directory`);
  // The user names a directory of the cache (as in Mesos), so it must be one path component.
  if (uri.cache && opts.user !== undefined && !isOneComponent(opts.user)) {
    throw new Error(`Cannot cache for user '${opts.user}': not usable as a directory name`);
  }
  const executable = uri.executable ?? false;
  const extract = !executable && (uri.extract ?? true);
  return {
    value: uri.value,
    basename,
    target,
    executable,
    extract,
    unpackDirect: extract ? unpackFor(target) : null,
    unpackCached: extract ? unpackFor(basename) : null,
    cacheKey: uri.cache ? cacheKey(uri.value, opts.user) : null,
  };
}

/**
 * Plans every URI of a CommandInfo, or throws the FetchError the first bad one gives: all are
 * validated before anything is fetched, as Mesos's FetcherProcess::fetch does.
 */
export function planFetches(uris: readonly CommandURI[], opts: PlanOptions = {}): FetchPlan[] {
  const validated = uris.map((uri) => {
    try {
      return planOne(uri, opts);
    } catch (err) {
      throw new FetchError(`Could not fetch: ${(err as Error).message}`, uri.value);
    }
  });
  return validated.map((plan) => {
    try {
      return { ...plan, source: resolveSource(plan.value, opts.frameworksHome) };
    } catch (err) {
      throw new FetchError(`Failed to fetch '${plan.value}': ${(err as Error).message}`, plan.value);
    }
  });
}
