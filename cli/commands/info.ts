// `sandbox info`: where the cluster's endpoints are; with --json the document of DESIGN.md.
import type { Command } from 'commander';
import { clusterInfo, type ClusterInfo } from '../../src/cluster/lifecycle.js';
import { printJson } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

export function printInfo(info: ClusterInfo): void {
  const rows: Array<[string, string | undefined]> = [
    ['master', info.master ?? '(no leader)'],
    ['marathon', info.marathon],
    ['chronos', info.chronos],
    ['mesos', info.mesos],
    ['zookeeper', info.zookeeper],
  ];
  const lines = [`Cluster '${info.name}' (${info.driver} driver)`];
  for (const [k, v] of rows) if (v) lines.push(`  ${k.padEnd(10)} ${v}`);
  const agents = info.nodes.filter((n) => n.role === 'agent');
  lines.push(`  ${'agents'.padEnd(10)} ${agents.map((a) => a.url).join(' ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerInfo(program: Command): void {
  nameOption(program.command('info'))
    .description("print the cluster's endpoints (--json: one JSON document)")
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: { name?: string; json?: boolean }) => {
        const { name, driver } = await clusterDriver(opts);
        const info = await clusterInfo(driver, name);
        if (opts.json) printJson(info);
        else printInfo(info);
      }),
    );
}
