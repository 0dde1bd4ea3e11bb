// `sandbox stop|start|restart|kill NODE`: one node at a time, for fault tests.
import type { Command } from 'commander';
import { message } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

const VERBS = {
  stop: 'stop a node (SIGTERM, then SIGKILL after 10 s)',
  start: 'start a stopped node again',
  restart: 'stop, then start a node',
  kill: 'kill a node with SIGKILL (it gets no chance to clean up)',
} as const;

export function registerNodeControl(program: Command): void {
  for (const [verb, description] of Object.entries(VERBS) as Array<[keyof typeof VERBS, string]>) {
    nameOption(program.command(`${verb} <node>`))
      .description(description)
      .action(
        action(async (node: string, opts: { name?: string }) => {
          const { name, driver } = await clusterDriver(opts);
          if (verb === 'stop' || verb === 'restart') await driver.stopNode(name, node);
          if (verb === 'kill') await driver.killNode(name, node);
          if (verb === 'start' || verb === 'restart') await driver.startNode(name, node);
          message(
            `${node}: ${{ stop: 'stopped', start: 'started', restart: 'restarted', kill: 'killed' }[verb]}`,
          );
        }),
      );
  }
}
