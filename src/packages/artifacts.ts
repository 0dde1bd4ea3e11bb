// Can an artifact a package needs be fetched from here? Checked before anything is deployed, so a
// package whose tarball is out of reach fails at install with the URI and why, not minutes later as
// a task that fails to fetch.
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';

export const ARTIFACT_PROBE_TIMEOUT_MS = 5000;
const MAX_REDIRECTS = 5;

export class ArtifactUnreachableError extends Error {
  override name = 'ArtifactUnreachableError';
  constructor(
    readonly packageName: string,
    readonly uri: string,
    readonly reason: string,
  ) {
    super(`${packageName} needs ${uri}, which cannot be fetched from here: ${reason}`);
  }
}

function head(url: URL, timeoutMs: number): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'HEAD' }, (res) => {
      res.resume();
      resolve(res);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // DNS and socket errors carry a code (ENOTFOUND, ECONNREFUSED, ...) that says more than the text.
  if (err.code && !err.message.includes(err.code)) return `${err.code}: ${err.message}`;
  return err.message || String(e);
}

/** Why `uri` cannot be fetched (a HEAD request, following redirects), or null when it can. */
export async function artifactProblem(
  uri: string,
  timeoutMs = ARTIFACT_PROBE_TIMEOUT_MS,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(uri.startsWith('/') ? `file://${uri}` : uri);
  } catch {
    return 'not a URI';
  }
  if (url.protocol === 'file:') {
    return existsSync(fileURLToPath(url)) ? null : `${fileURLToPath(url)} does not exist`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `the fetcher does not speak ${url.protocol}`;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: IncomingMessage;
    try {
      res = await head(url, timeoutMs);
    } catch (e) {
      return describeError(e);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      url = new URL(res.headers.location, url);
      continue;
    }
    return status >= 200 && status < 300 ? null : `HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd();
  }
  return `more than ${MAX_REDIRECTS} redirects`;
}

/** Throws ArtifactUnreachableError for the first of `uris` that cannot be fetched. */
export async function checkArtifacts(packageName: string, uris: string[], timeoutMs?: number): Promise<void> {
  const problems = await Promise.all(uris.map((u) => artifactProblem(u, timeoutMs)));
  const i = problems.findIndex((p) => p !== null);
  if (i >= 0) throw new ArtifactUnreachableError(packageName, uris[i]!, problems[i]!);
}
