// Getting a URI's bytes into a file, as the Mesos fetcher does: HTTP(S) like stout's net::download
// (libcurl following redirects; only 200 counts; aborted when no byte arrives for the stall timeout)
// and local files like os::copyfile. Errors carry the Mesos fetcher's wording.
import { createWriteStream } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';

export interface DownloadOptions {
  /** Abort when no byte arrives for this long (Mesos --fetcher_stall_timeout). */
  stallTimeoutMs: number;
  signal: AbortSignal;
  /** libcurl's CURLOPT_MAXREDIRS default (30 since curl 8.3). */
  maxRedirects?: number;
}

const MAX_REDIRECTS = 30;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// curl_easy_strerror's words for the failures a download meets most, which Mesos reports.
const CURL_WORDS: Record<string, string> = {
  ECONNREFUSED: "Couldn't connect to server",
  EHOSTUNREACH: "Couldn't connect to server",
  ENETUNREACH: "Couldn't connect to server",
  ENOTFOUND: "Couldn't resolve host name",
  EAI_AGAIN: "Couldn't resolve host name",
  ECONNRESET: 'Failure when receiving data from the peer',
};

function downloadError(err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const words = e.code ? CURL_WORDS[e.code] : undefined;
  return new Error(`Error downloading resource: ${words ? `${words} (${e.message})` : e.message}`, {
    cause: err,
  });
}

/** GETs `url` and writes its body to `dest` (created 0644, truncated). */
export async function downloadHttp(url: string, dest: string, opts: DownloadOptions): Promise<void> {
  let stalled = false;
  const stallError = new Error(
    `Error downloading resource: Timeout was reached (nothing received for ${opts.stallTimeoutMs} ms)`,
  );
  const onStall = (): void => {
    stalled = true;
  };
  let res: IncomingMessage;
  try {
    res = await get(url, opts, opts.maxRedirects ?? MAX_REDIRECTS, onStall, stallError);
  } catch (err) {
    if (stalled) throw stallError;
    if (opts.signal.aborted || (err as Error).message.startsWith('Error downloading resource')) throw err;
    throw downloadError(err);
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`Error downloading resource, received HTTP return code ${res.statusCode}`);
  }
  try {
    await pipeline(res, createWriteStream(dest, { mode: 0o644 }), { signal: opts.signal });
  } catch (err) {
    if (stalled) throw stallError;
    if (opts.signal.aborted) throw err;
    throw downloadError(err);
  }
}

function get(
  url: string,
  opts: DownloadOptions,
  redirectsLeft: number,
  onStall: () => void,
  stallError: Error,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      { method: 'GET', headers: { Accept: '*/*', 'User-Agent': 'mesos-fetcher' }, signal: opts.signal },
      (res) => {
        const location = res.headers.location;
        if (res.statusCode !== undefined && REDIRECTS.has(res.statusCode) && location) {
          res.resume();
          if (redirectsLeft <= 0) {
            reject(new Error('Error downloading resource: Number of redirects hit maximum amount'));
            return;
          }
          let next: string;
          try {
            next = new URL(location, url).toString();
          } catch {
            reject(new Error(`Error downloading resource: bad redirect location '${location}'`));
            return;
          }
          if (!next.startsWith('http://') && !next.startsWith('https://')) {
            reject(new Error(`Error downloading resource: redirect to unsupported URL '${next}'`));
            return;
          }
          get(next, opts, redirectsLeft - 1, onStall, stallError).then(resolve, reject);
          return;
        }
        resolve(res);
      },
    );
    // The socket's idle timeout stays armed while the body streams, so it is a stall timeout.
    req.setTimeout(opts.stallTimeoutMs, () => {
      onStall();
      req.destroy(stallError);
    });
    req.on('error', reject);
    req.end();
  });
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOSPC: 'No space left on device',
};

/** Copies a local file as Mesos's os::copyfile (`cp source destination`) does. */
export async function copyLocal(source: string, dest: string): Promise<void> {
  const describe = (err: unknown): string => {
    const e = err as NodeJS.ErrnoException;
    return (e.code && ERRNO_WORDS[e.code]) ?? e.message;
  };
  const from = await stat(source).catch((err: unknown) => {
    throw new Error(`Failed to copy '${source}': ${describe(err)}`, { cause: err });
  });
  if (from.isDirectory()) throw new Error('`source` was a directory');
  const to = await stat(dest).catch(() => null);
  if (to?.isDirectory()) throw new Error('`destination` was a directory');
  await copyFile(source, dest).catch((err: unknown) => {
    throw new Error(`Failed to copy '${source}' to '${dest}': ${describe(err)}`, { cause: err });
  });
}
