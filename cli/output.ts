// How `sandbox` talks: machine output on stdout, messages on stderr; a spinner per step on a
// terminal (ora), plain lines otherwise (CI); tables for ls and status; documented exit codes.
import type { StepEvent } from '../src/cluster/lifecycle.js';

/** The exit codes README documents. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  notReady: 3,
  driverUnavailable: 4,
  nameTaken: 5,
  notFound: 6,
  interrupted: 130,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function message(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
}

type Spinner = { text: string; succeed(text?: string): void; fail(text?: string): void };

/**
 * Shows lifecycle steps on stderr: with a spinner when stderr is a terminal and not in CI, as
 * ` • step ...` / ` ✓ step` / ` ✗ step` lines otherwise, nothing when quiet.
 */
export async function stepReporter(opts: { quiet?: boolean } = {}): Promise<(e: StepEvent) => void> {
  if (opts.quiet) return () => {};
  const fancy = Boolean(process.stderr.isTTY) && !process.env.CI && !process.env.NO_COLOR;
  if (!fancy) {
    return (e) => {
      if (e.type === 'start') message(` • ${e.step} ...`);
      else if (e.type === 'done') message(` ✓ ${e.step}${e.detail ? ` (${e.detail})` : ''}`);
      else message(` ✗ ${e.step}: ${e.detail}`);
    };
  }
  const { default: ora } = await import('ora');
  let spinner: Spinner | null = null;
  return (e) => {
    if (e.type === 'start') {
      spinner = ora({ text: e.step, stream: process.stderr, discardStdin: false }).start() as Spinner;
    } else if (e.type === 'done') {
      spinner?.succeed(`${e.step}${e.detail ? ` (${e.detail})` : ''}`);
      spinner = null;
    } else {
      if (spinner) spinner.fail(`${e.step}: ${e.detail}`);
      else message(` ✗ ${e.step}: ${e.detail}`);
      spinner = null;
    }
  };
}
