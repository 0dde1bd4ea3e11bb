// Running the real `sandbox` binary (dist/cli/sandbox.js, built by `npm test`) as a user would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cwdOf, listProcesses } from '../../src/util/proc.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli/sandbox.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runSandbox(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sandbox ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
  });
}

/** Pids of live processes whose working directory is inside `dir` (a process cluster's nodes and tasks). */
export function processesUnder(dir: string): number[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z' && `${cwdOf(p.pid) ?? ''}/`.startsWith(`${dir}/`))
    .map((p) => p.pid);
}
