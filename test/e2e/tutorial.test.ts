// README's tutorial, run as written: every ```sh block of its section, in order, in one bash with
// `set -euo pipefail`, against a cluster of its own. A tutorial command that stops working fails here
// instead of in a newcomer's terminal.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';
import { runSandbox } from '../support/sandbox-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TUTORIAL_HEADING = '## Tutorial: the SMACK pieces on a running cluster';

/** The shell blocks of README's tutorial section, in order. */
function tutorialScript(readme: string): string[] {
  const start = readme.indexOf(TUTORIAL_HEADING);
  if (start < 0) throw new Error(`README has no section '${TUTORIAL_HEADING}'`);
  const end = readme.indexOf('\n## ', start + TUTORIAL_HEADING.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const missingTools = ['curl', 'jq', 'redis-cli', 'python3'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
const skipReason = !isZooKeeperInstalled()
  ? 'ZooKeeper is not installed (run ./install.sh)'
  : missingTools.length > 0
    ? `${missingTools.join(', ')} missing (run ./install.sh)`
    : null;
if (skipReason) console.warn(`Skipping README's tutorial: ${skipReason}`);

describe.skipIf(skipReason !== null)("README's tutorial", () => {
  const work = mkdtempSync(join(tmpdir(), 'sandbox-tutorial-'));
  const name = `tutorial-${process.pid}`;
  // `sandbox` as the tutorial calls it: this checkout's build, not whatever is on PATH.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'sandbox'),
    `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'dist/cli/sandbox.js')}' "$@"\n`,
  );
  chmodSync(join(bin, 'sandbox'), 0o755);
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    SANDBOX_STATE_DIR: join(work, 'state'),
    SANDBOX_CLUSTER: name,
    CI: '1',
  };

  afterAll(async () => {
    await runSandbox(['down', '--name', name], env);
    rmSync(work, { recursive: true, force: true });
  });

  it('runs from sandbox up to sandbox down, every step doing what the text says', async () => {
    const blocks = tutorialScript(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const script = ['set -euo pipefail', ...blocks].join('\n');
    const run = await new Promise<{ code: number | null; output: string }>((done, reject) => {
      const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      // Its `until` loops wait without a limit, as a user would; this is the limit.
      const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        done({ code, output });
      });
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/^200$/m); // the http.server instance answers
    expect(run.output).toMatch(/^\{"accepted":1\}/m); // stream-ingest took the events
    expect(run.output).toMatch(/^OK\n3$/m); // redis set and get
    expect(run.output).toMatch(/"page-view": \d+/); // batch-report's report
    expect(run.output).toMatch(/^etl-load: success$/m); // the Chronos chain ran to its fan-in
    // kafka either installs (where Apache's archive is reachable) or says why it cannot.
    expect(run.output).toMatch(
      /kafka needs https:\/\/\S+, which cannot be fetched from here|Installed kafka/,
    );
    expect(run.output).toContain(`Removed cluster '${name}'`);
  }, 300_000);
});
