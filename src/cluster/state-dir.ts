// Where sandbox keeps what it must find again: $SANDBOX_STATE_DIR if set, else
// $XDG_STATE_HOME/mesos-sandbox when the XDG variable is set, else ~/.sandbox.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function resolveStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SANDBOX_STATE_DIR) return resolve(env.SANDBOX_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'mesos-sandbox');
  return join(homedir(), '.sandbox');
}
