// Running a command for `sandbox exec` / `sandbox shell`: with plain inherited stdio, or in an
// interactive terminal through node-pty (raw keys, resize) when the user asked for a shell.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  tty?: boolean;
}

/** Runs the command to its end; resolves with its exit code (128 + n when killed by signal n). */
export async function runCommand(command: string[], opts: RunOptions = {}): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new Error('no command given');
  if (opts.tty && process.stdin.isTTY) return runInTerminal(file, args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: 'inherit' });
    child.once('error', (err) =>
      reject(new Error(`cannot run '${file}': ${(err as NodeJS.ErrnoException).code ?? err.message}`)),
    );
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

async function runInTerminal(file: string, args: string[], opts: RunOptions): Promise<number> {
  const pty = await import('node-pty');
  const stdin = process.stdin;
  const stdout = process.stdout;
  const term = pty.spawn(file, args, {
    name: process.env.TERM ?? 'xterm-256color',
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: opts.cwd ?? process.cwd(),
    env: (opts.env ?? process.env) as Record<string, string>,
  });
  const onData = (data: Buffer): void => term.write(data.toString('binary'));
  const onResize = (): void => term.resize(stdout.columns || 80, stdout.rows || 24);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', onData);
  stdout.on('resize', onResize);
  term.onData((d) => stdout.write(d));
  return new Promise((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      stdin.off('data', onData);
      stdout.off('resize', onResize);
      stdin.setRawMode(false);
      stdin.pause();
      resolve(signal ? 128 + signal : exitCode);
    });
  });
}
