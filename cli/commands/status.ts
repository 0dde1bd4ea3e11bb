// `sandbox status`: the cluster's nodes, their state and addresses.
import type { Command } from 'commander';
import { clusterInfo } from '../../src/cluster/lifecycle.js';
import { printJson, printTable } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

export function registerStatus(program: Command): void {
  nameOption(program.command('status'))
    .description("a table of the cluster's nodes: role, state, address, leader")
    .option('--json', 'machine-readable output (the nodes of sandbox info --json)')
    .action(
      action(async (opts: { name?: string; json?: boolean }) => {
        const { name, driver } = await clusterDriver(opts);
        const info = await clusterInfo(driver, name);
        if (opts.json) return printJson(info.nodes);
        printTable(
          ['NODE', 'ROLE', 'STATE', 'ADDRESS', ''],
          info.nodes.map((n) => [n.id, n.role, n.state, n.url ?? n.address ?? '', n.leader ? 'leader' : '']),
        );
      }),
    );
}
