// The /files API over executor sandboxes and the agent log (src/files/files.cpp): browse, read (the
// web UI's pager), download and debug, over a table of "attached" virtual path -> real path.
//
// Path policy, stricter than Mesos: a request is served only when the real path (symlinks resolved)
// of what it names lies inside the real path of the attachment it went through. Everything else -
// `..` escapes, unattached absolute paths, symlinks out of a sandbox - is answered 404, as if it
// did not exist. (Mesos answers an escape with 400 "'<real path>' is inaccessible", which tells
// the caller the host path exists and where a sandbox really is; 404 tells nothing.) After
// opening, the descriptor's own path (/proc/self/fd) is checked again, so a symlink swapped in
// between the check and the open cannot redirect the read.
import { constants as fsc, realpathSync, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, resolve as resolvePath } from 'node:path';
import { Readable } from 'node:stream';
import { HttpError, sendJson, sendText } from '../../util/http.js';
import { virtualSandboxPath } from './model.js';

/** Where the agent's own log is attached (slave/constants.hpp AGENT_LOG_VIRTUAL_PATH). */
export const AGENT_LOG_VIRTUAL_PATH = '/slave/log';
/** Mesos caps each read at 16 pages (os::pagesize() is 4 KiB on the hosts we run on). */
export const MAX_READ_BYTES = 16 * 4096;

/** One /files/browse entry (common/http.cpp model(FileInfo)). */
export interface FileInfoJson {
  path: string;
  nlink: number;
  size: number;
  /** Epoch seconds. */
  mtime: number;
  /** `ls -l` style, e.g. "-rw-r--r--" or "drwxr-xr-x". */
  mode: string;
  /** User and group names, or the numeric id as a string when the id has no name (as Mesos). */
  uid: string;
  gid: string;
}

export interface ReadResult {
  data: string;
  offset: number;
}

export interface FileDownload {
  stream: Readable;
  filename: string;
  size: number;
  contentType: string;
}

interface Attachment {
  /** The real path once pinned; the lexical absolute path while the target does not exist yet. */
  path: string;
  pinned: boolean;
}

const notFound = (): HttpError => new HttpError(404, '');

// libprocess's mime table (3rdparty/libprocess/src/mime.cpp); anything else is octet-stream.
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.sh': 'application/x-sh',
  '.js': 'application/x-javascript',
  '.css': 'text/css',
  '.pdf': 'application/pdf',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.xml': 'text/xml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.gif': 'image/gif',
  '.txt': 'text/plain',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.tar': 'application/x-tar',
};

/** Mesos's path::from_uri, then one spelling per path: no repeated or trailing slashes. */
function normalizeVirtual(path: string): string {
  const plain = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return plain.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
}

function inside(real: string, root: string): boolean {
  return real === root || root === '/' || real.startsWith(root + '/');
}

// The file-type letter of `ls -l` by S_IFMT value (Mesos's model(FileInfo)); unknown types are '-'.
const TYPE_LETTERS: Readonly<Record<number, string>> = {
  [fsc.S_IFDIR]: 'd',
  [fsc.S_IFCHR]: 'c',
  [fsc.S_IFBLK]: 'b',
  [fsc.S_IFIFO]: 'p',
  [fsc.S_IFLNK]: 'l',
  [fsc.S_IFSOCK]: 's',
};

function modeString(st: Stats): string {
  const bits = 'rwxrwxrwx';
  let perms = '';
  for (let i = 0; i < 9; i++) perms += st.mode & (0o400 >> i) ? bits[i] : '-';
  return (TYPE_LETTERS[st.mode & fsc.S_IFMT] ?? '-') + perms;
}

/** getpwuid/getgrgid from the files databases, re-read at most every 30 s. */
class IdNames {
  private users = new Map<number, string>();
  private groups = new Map<number, string>();
  private loadedAt = -Infinity;

  async refresh(): Promise<void> {
    if (Date.now() - this.loadedAt < 30_000) return;
    this.loadedAt = Date.now();
    this.users = await IdNames.parse('/etc/passwd');
    this.groups = await IdNames.parse('/etc/group');
  }

  user(uid: number): string {
    return this.users.get(uid) ?? String(uid);
  }

  group(gid: number): string {
    return this.groups.get(gid) ?? String(gid);
  }

  private static async parse(file: string): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && /^\d+$/.test(id) && !out.has(Number(id))) out.set(Number(id), name);
    }
    return out;
  }
}

export class FilesService {
  private readonly paths = new Map<string, Attachment>();
  private readonly names = new IdNames();

  /**
   * Makes `real` reachable as `virtual` (replacing an earlier attachment). Mesos fails when `real`
   * does not exist yet; the agent attaches a sandbox before creating it, so a missing target is
   * resolved (and pinned to its real path) on first use instead.
   */
  attach(virtual: string, real: string): void {
    let path = resolvePath(real);
    let pinned = false;
    try {
      path = realpathSync(path);
      pinned = true;
    } catch {
      // Not there yet: pinned on first use.
    }
    this.paths.set(normalizeVirtual(virtual), { path, pinned });
  }

  detach(virtual: string): void {
    this.paths.delete(normalizeVirtual(virtual));
  }

  /**
   * Attaches an executor run's sandbox the three ways Mesos does: at its real directory, at the real
   * `.../runs/latest` path, and at `/frameworks/<fid>/executors/<eid>/runs/latest`.
   */
  attachSandbox(frameworkId: string, executorId: string, directory: string): void {
    this.attach(directory, directory);
    this.attach(`${dirname(directory)}/latest`, directory);
    this.attach(virtualSandboxPath(frameworkId, executorId), directory);
  }

  detachSandbox(frameworkId: string, executorId: string, directory: string): void {
    this.detach(directory);
    this.detach(`${dirname(directory)}/latest`);
    this.detach(virtualSandboxPath(frameworkId, executorId));
  }

  /** The virtual -> real map (/files/debug). */
  debug(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [virtual, a] of [...this.paths].sort(([x], [y]) => (x < y ? -1 : 1))) out[virtual] = a.path;
    return out;
  }

  async browse(path: string): Promise<FileInfoJson[]> {
    const { real, root } = await this.resolve(path);
    let dir: FileHandle;
    try {
      dir = await open(real, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
    } catch (err) {
      // Browsing a file lists nothing, as Mesos's failing os::ls does; a vanished path is unknown.
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw notFound();
    }
    try {
      const base = await this.verifyOpened(dir, real, root);
      const entries = (await readdir(base)).sort();
      await this.names.refresh();
      const prefix = path.replace(/\/+$/, '');
      const out: FileInfoJson[] = [];
      for (const name of entries) {
        const st = await this.entryStat(`${base}/${name}`, root);
        if (!st) continue;
        out.push({
          path: `${prefix}/${name}`,
          nlink: st.nlink,
          size: st.size,
          mtime: Math.floor(st.mtimeMs / 1000),
          mode: modeString(st),
          uid: this.names.user(st.uid),
          gid: this.names.group(st.gid),
        });
      }
      return out;
    } finally {
      await dir.close();
    }
  }

  /**
   * /files/read semantics: offset -1 (the default) returns no data and the file size as `offset`;
   * length -1 (the default) reads to EOF; a read returns at most MAX_READ_BYTES.
   */
  async read(path: string, offset = -1, length = -1): Promise<ReadResult> {
    if (!Number.isInteger(offset) || offset < -1)
      throw new HttpError(400, `Negative offset provided: ${offset}.\n`);
    if (!Number.isInteger(length) || length < -1)
      throw new HttpError(400, `Negative length provided: ${length}.\n`);
    const { handle, st } = await this.openFile(path, 'Cannot read a directory.\n');
    try {
      if (offset === -1) return { data: '', offset: st.size };
      if (offset >= st.size) return { data: '', offset };
      const wanted = Math.min(length === -1 ? st.size - offset : length, MAX_READ_BYTES);
      if (wanted === 0) return { data: '', offset };
      const buf = Buffer.alloc(wanted);
      const { bytesRead } = await handle.read(buf, 0, wanted, offset);
      // Mesos sends the raw bytes as a JSON string; text is what sandboxes hold in practice.
      return { data: buf.subarray(0, bytesRead).toString('utf8'), offset };
    } finally {
      await handle.close();
    }
  }

  async download(path: string): Promise<FileDownload> {
    const { handle, st, real } = await this.openFile(path, 'Cannot download a directory.\n');
    const contentType = MIME_TYPES[extname(real)] ?? 'application/octet-stream';
    if (st.size === 0) {
      await handle.close();
      return { stream: Readable.from([]), filename: basename(real), size: 0, contentType };
    }
    // Exactly the bytes present now: a growing stdout must not overrun the Content-Length sent.
    // The stream owns the descriptor from here and closes it at the end or on error.
    const stream = handle.createReadStream({ start: 0, end: st.size - 1 });
    return { stream, filename: basename(real), size: st.size, contentType };
  }

  // ---- resolution ----

  /** The attachment for `path` by longest prefix (FilesProcess::resolve), checked to stay inside. */
  private async resolve(path: string): Promise<{ real: string; root: string }> {
    if (path.includes('\0')) throw notFound();
    const tokens = normalizeVirtual(path).split('/');
    for (let i = tokens.length; i > 0; i--) {
      const prefix = tokens.slice(0, i).join('/');
      const attachment = this.paths.get(prefix);
      if (!attachment) continue;
      const suffix = tokens.slice(i).join('/');
      const root = await this.pin(prefix, attachment);
      const rootStat = root === null ? null : await stat(root).catch(() => null);
      if (root === null || rootStat === null) throw notFound();
      // A file attachment (the agent log) has no children.
      if (!rootStat.isDirectory()) {
        if (suffix !== '') throw notFound();
        return { real: root, root };
      }
      const real = await realpath(suffix === '' ? root : `${root}/${suffix}`).catch(() => null);
      if (real === null || !inside(real, root)) throw notFound();
      return { real, root };
    }
    throw notFound();
  }

  private async pin(prefix: string, attachment: Attachment): Promise<string | null> {
    if (attachment.pinned) return attachment.path;
    try {
      const real = await realpath(attachment.path);
      // Pinned once: later changes to the path (a swapped-in symlink) cannot move the root.
      if (this.paths.get(prefix) === attachment) this.paths.set(prefix, { path: real, pinned: true });
      return real;
    } catch {
      return null;
    }
  }

  /**
   * Where the opened descriptor really points must still be inside `root`. Returns the path to use
   * for further lookups: the descriptor itself when /proc is there, else the checked real path.
   */
  private async verifyOpened(handle: FileHandle, real: string, root: string): Promise<string> {
    const fdPath = `/proc/self/fd/${handle.fd}`;
    let actual: string;
    try {
      actual = await readlink(fdPath);
    } catch {
      // No procfs (not Linux): the realpath check is all we have.
      return real;
    }
    if (!inside(actual.replace(/ \(deleted\)$/, ''), root)) throw notFound();
    return fdPath;
  }

  private async openFile(
    path: string,
    dirMessage: string,
  ): Promise<{ handle: FileHandle; st: Stats; real: string }> {
    const { real, root } = await this.resolve(path);
    let handle: FileHandle;
    try {
      // O_NONBLOCK: a FIFO in a sandbox must not hang the open waiting for a writer.
      handle = await open(real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    } catch {
      throw notFound();
    }
    try {
      await this.verifyOpened(handle, real, root);
      const st = await handle.stat();
      if (st.isDirectory()) throw new HttpError(400, dirMessage);
      // Only regular files have contents to page through; others read as empty.
      return { handle, st: st.isFile() ? st : Object.assign(st, { size: 0 }), real };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** stat() of a listed entry, or lstat() when it is a symlink leading out of the root. */
  private async entryStat(entry: string, root: string): Promise<Stats | null> {
    const l = await lstat(entry).catch(() => null);
    if (!l || !l.isSymbolicLink()) return l;
    const target = await realpath(entry).catch(() => null);
    if (target === null || !inside(target, root)) return l;
    return stat(entry).catch(() => l);
  }
}

// ---- HTTP ----

function parseIntegerParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^[+-]?\d+$/.test(text.trim())) {
    throw new HttpError(400, `Failed to parse ${name}: Failed to convert '${text}' to number.\n`);
  }
  return Number(text.trim());
}

function requirePath(query: URLSearchParams): string {
  const path = query.get('path');
  if (path === null || path === '') throw new HttpError(400, "Expecting 'path=value' in query.\n");
  return path;
}

/**
 * Serves /files/{browse,read,download,debug} (also with a `.json` suffix, which old UIs use).
 * `path` is the request path without any process prefix. Errors are HttpErrors for the caller's
 * usual error handler; an unknown /files/ endpoint is a 404.
 */
export async function handleFilesRequest(
  service: FilesService,
  _req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  switch (path.replace(/\.json$/, '')) {
    case '/files/browse':
      sendJson(res, 200, await service.browse(requirePath(query)), query);
      return;
    case '/files/read': {
      const file = requirePath(query);
      const offset = parseIntegerParam(query, 'offset');
      const length = parseIntegerParam(query, 'length');
      sendJson(res, 200, await service.read(file, offset ?? -1, length ?? -1), query);
      return;
    }
    case '/files/download': {
      const download = await service.download(requirePath(query));
      // A plain token, as Mesos writes it; characters a header cannot carry become '_'.
      const filename = download.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
      res.writeHead(200, {
        'Content-Type': download.contentType,
        'Content-Disposition': `attachment; filename=${filename}`,
        'Content-Length': String(download.size),
      });
      download.stream.on('error', () => res.destroy());
      download.stream.pipe(res);
      return;
    }
    case '/files/debug':
      sendJson(res, 200, service.debug(), query);
      return;
    default:
      sendText(res, 404, '');
  }
}
