#!/usr/bin/env node
// `sandbox`: the command users type. Thin: parse, call src/, print.
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { NodeNotReadyError, startForegroundCluster } from '../src/cluster/foreground-cluster.js';
import { parseDuration } from '../src/util/duration.js';

const EXIT = { ok: 0, error: 1, usage: 2, notReady: 3 } as const;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

const program = new Command('sandbox')
  .description('A real local Mesos cluster: ZooKeeper, masters and agents as local processes')
  .version(packageVersion(), '--version')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('version')
  .description('print the sandbox version and the Mesos version it speaks')
  .action(() => {
    process.stdout.write(`sandbox ${packageVersion()} (Mesos API 1.11)\n`);
  });

program
  .command('up')
  .description('boot ZooKeeper, a master and agents as local processes; runs in the foreground until Ctrl-C')
  .option('--agents <n>', 'number of agents', positiveInt, 3)
  .option(
    '--agent-resources <resources>',
    'resources of each agent (ports are assigned per agent)',
    'cpus:2;mem:2048;disk:8192',
  )
  .option('--state-dir <dir>', 'where logs and data go', join(homedir(), '.sandbox', 'sandbox'))
  .option('--wait <duration>', 'how long a node may take to become ready', '60secs')
  .option('--log-level <level>', 'debug, info, warn or error', 'info')
  .action(
    async (opts: {
      agents: number;
      agentResources: string;
      stateDir: string;
      wait: string;
      logLevel: string;
    }) => {
      process.stderr.write(
        `Starting ZooKeeper, 1 master and ${opts.agents} agents (logs in ${opts.stateDir})\n`,
      );
      let cluster;
      try {
        cluster = await startForegroundCluster({
          stateDir: opts.stateDir,
          agents: opts.agents,
          agentResources: opts.agentResources,
          logLevel: opts.logLevel,
          readyTimeoutMs: parseDuration(opts.wait),
        });
      } catch (err) {
        process.stderr.write(`sandbox up: ${(err as Error).message}\n`);
        if (err instanceof NodeNotReadyError) {
          const tail = (() => {
            try {
              return readFileSync(err.node.logFile, 'utf8').split('\n').slice(-20).join('\n');
            } catch {
              return '(no log)';
            }
          })();
          process.stderr.write(`--- last lines of ${err.node.logFile} ---\n${tail}\n`);
        }
        process.exit(err instanceof NodeNotReadyError ? EXIT.notReady : EXIT.error);
      }
      const info = {
        name: 'sandbox',
        driver: 'process',
        zookeeper: cluster.zookeeper,
        mesos: cluster.mesos,
        master: cluster.master,
        nodes: cluster.nodes.map((n) => ({
          id: n.id,
          role: n.role,
          ...(n.url ? { url: n.url } : { address: n.address }),
          state: 'running',
        })),
      };
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      process.stderr.write('Cluster is up. Press Ctrl-C to stop it.\n');
      await new Promise<void>((r) => {
        process.once('SIGINT', () => r());
        process.once('SIGTERM', () => r());
      });
      process.stderr.write('Stopping...\n');
      await cluster.stop();
    },
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`sandbox: ${(err as Error).message}\n`);
  process.exit(EXIT.error);
});
