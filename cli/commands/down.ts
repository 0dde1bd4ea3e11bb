// `sandbox down`: remove a cluster, or all of them; idempotent, like rm -f.
import type { Command } from 'commander';
import { availableDrivers } from '../../src/cluster/drivers/registry.js';
import { CliError, EXIT, message } from '../output.js';
import { action, clusterName, nameOption } from './common.js';

export function registerDown(program: Command): void {
  nameOption(program.command('down'))
    .description('remove a cluster: its nodes, tasks, containers, networks and files (idempotent)')
    .option('-A, --all', 'remove every cluster')
    .action(
      action(async (opts: { name?: string; all?: boolean }) => {
        if (opts.all && opts.name) throw new CliError('use either --name or --all', EXIT.usage);
        const failures: string[] = [];
        for (const driver of await availableDrivers()) {
          const names = opts.all ? await driver.list() : [clusterName(opts)];
          for (const name of names) {
            if (!opts.all && !(await driver.list()).includes(name)) continue;
            try {
              await driver.delete(name);
              message(`Removed cluster '${name}' (${driver.name} driver)`);
            } catch (e) {
              failures.push(`${name}: ${(e as Error).message}`);
            }
          }
        }
        if (failures.length > 0) throw new CliError(`could not remove ${failures.join('; ')}`, EXIT.error);
      }),
    );
}
