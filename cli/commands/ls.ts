// `sandbox ls`: every cluster of every available driver.
import type { Command } from 'commander';
import { availableDrivers } from '../../src/cluster/drivers/registry.js';
import { message, printJson, printTable } from '../output.js';
import { action } from './common.js';

interface ClusterRow {
  name: string;
  driver: string;
  nodes: number;
  running: number;
  createdAt: string;
}

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list clusters')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: { json?: boolean }) => {
        const rows: ClusterRow[] = [];
        for (const driver of await availableDrivers()) {
          for (const name of await driver.list()) {
            const [record, nodes] = await Promise.all([driver.get(name), driver.nodes(name).catch(() => [])]);
            rows.push({
              name,
              driver: driver.name,
              nodes: nodes.length,
              running: nodes.filter((n) => n.state === 'running').length,
              createdAt: record?.createdAt ?? '',
            });
          }
        }
        if (opts.json) return printJson(rows);
        if (rows.length === 0) return message('No clusters. Start one with: sandbox up');
        printTable(
          ['NAME', 'DRIVER', 'NODES', 'CREATED'],
          rows.map((r) => [r.name, r.driver, `${r.running}/${r.nodes} running`, r.createdAt]),
        );
      }),
    );
}
