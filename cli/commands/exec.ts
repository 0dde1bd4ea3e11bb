// `sandbox exec NODE -- CMD` and `sandbox shell NODE`: a command, or an interactive shell, where
// the node runs (its container, or its directory and environment for the process driver).
import type { Command } from 'commander';
import { CliError, EXIT } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

export function registerExec(program: Command): void {
  nameOption(program.command('exec <node> <command...>'))
    .description('run a command where the node runs: sandbox exec agent-1 -- ps aux')
    .passThroughOptions()
    .action(
      action(async (node: string, command: string[], opts: { name?: string }) => {
        const { name, driver } = await clusterDriver(opts);
        // With pass-through options commander keeps the `--` that separates the command.
        return driver.exec(name, node, command[0] === '--' ? command.slice(1) : command);
      }),
    );
  nameOption(program.command('shell <node>'))
    .description('an interactive shell where the node runs')
    .action(
      action(async (node: string, opts: { name?: string }) => {
        if (!process.stdin.isTTY) {
          throw new CliError(`sandbox shell needs a terminal; use: sandbox exec ${node} -- CMD`, EXIT.usage);
        }
        const { name, driver } = await clusterDriver(opts);
        const shell = driver.name === 'process' ? (process.env.SHELL ?? '/bin/bash') : '/bin/bash';
        return driver.exec(name, node, [shell], { tty: true });
      }),
    );
}
