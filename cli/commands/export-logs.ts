// `sandbox export logs [DIR]`: everything needed to debug a failed CI run: every node's log, the
// leading master's state and each agent's state.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clusterInfo } from '../../src/cluster/lifecycle.js';
import { httpGet } from '../../src/util/http-client.js';
import { message } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

async function fetchText(url: string): Promise<string> {
  try {
    return (await httpGet(url, 5000)).body;
  } catch (e) {
    return JSON.stringify({ error: `GET ${url} failed: ${(e as Error).message}` });
  }
}

export function registerExportLogs(program: Command): void {
  const exportCmd = program.command('export').description('export things from a cluster');
  nameOption(exportCmd.command('logs [dir]'))
    .description("copy every node's log, the master's state and each agent's state into DIR")
    .action(
      action(async (dir: string | undefined, opts: { name?: string }) => {
        const { name, driver } = await clusterDriver(opts);
        const out = resolve(dir ?? join(tmpdir(), `sandbox-logs-${name}-${Date.now()}`));
        mkdirSync(out, { recursive: true });
        await driver.exportLogs(name, out);
        const info = await clusterInfo(driver, name);
        writeFileSync(join(out, 'cluster.json'), JSON.stringify(info, null, 2) + '\n');
        if (info.master)
          writeFileSync(join(out, 'master-state.json'), await fetchText(`${info.master}/master/state`));
        await Promise.all(
          info.nodes
            .filter((n) => n.role === 'agent' && n.state === 'running' && n.url)
            .map(async (n) => {
              mkdirSync(join(out, n.id), { recursive: true });
              writeFileSync(join(out, n.id, 'state.json'), await fetchText(`${n.url}/state`));
            }),
        );
        message(`Exported logs to: ${out}`);
        process.stdout.write(out + '\n');
      }),
    );
}
