// Unpacking a fetched file into the sandbox, as the Mesos fetcher's extract() does: tar and zip
// archives (Mesos uses libarchive; we use the system `tar` and `unzip`) and bare `.gz` files
// (Mesos runs `gunzip -d -c`; we use node:zlib). Errors carry the Mesos fetcher's wording.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { findExecutable } from '../../../util/executables.js';
import type { Unpack } from './fetch-plan.js';

const execFileAsync = promisify(execFile);

/** Unpacks `archive` into `directory` (which exists). */
export async function unpack(
  archive: string,
  directory: string,
  how: Unpack,
  signal: AbortSignal,
): Promise<void> {
  if (how.kind === 'gunzip') {
    try {
      await pipeline(
        createReadStream(archive),
        createGunzip(),
        createWriteStream(join(directory, how.output), { mode: 0o644 }),
        { signal },
      );
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`Failed to extract '${archive}': 'gunzip -d -c' failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return;
  }
  const failed = (why: string): Error =>
    new Error(`Failed to extract archive '${archive}' to '${directory}': ${why}`);
  const program = how.kind === 'tar' ? 'tar' : 'unzip';
  const path = findExecutable(program);
  if (!path) {
    throw failed(`\`${program}\` is not installed (Debian package ${program})`);
  }
  // As libarchive does for Mesos (no ARCHIVE_EXTRACT_OWNER/PERM): files belong to whoever fetches,
  // modes are masked by the umask. GNU tar detects the compression itself and refuses `..` members.
  const args =
    how.kind === 'tar'
      ? ['-x', '-f', archive, '-C', directory, '--no-same-owner', '--no-same-permissions']
      : ['-o', '-q', archive, '-d', directory];
  try {
    await execFileAsync(path, args, { signal, maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    if (signal.aborted) throw err;
    const e = err as Error & { stderr?: string; code?: number | string };
    const stderr = (e.stderr ?? '').trim().split('\n').slice(-3).join('; ');
    throw failed(
      `'${program}' failed${typeof e.code === 'number' ? ` with exit code ${e.code}` : ''}: ${stderr || e.message}`,
    );
  }
}
