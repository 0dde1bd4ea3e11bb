// Finding a program the way a shell would, plus the system directories a minimal PATH (cron, CI,
// sudo) leaves out.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The first executable `name` on PATH, then in the system directories; null when there is none. */
export function findExecutable(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_DIRS]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  return null;
}
