// `sandbox up`: boot a cluster and return once every node is ready.
import type { Command } from 'commander';
import { loadClusterConfig, resolveClusterSpec, type ClusterFlags } from '../../src/cluster/config.js';
import { ClusterNameTakenError } from '../../src/cluster/drivers/driver.js';
import { availableDrivers, createDriver } from '../../src/cluster/drivers/registry.js';
import { clusterUp } from '../../src/cluster/lifecycle.js';
import { message, stepReporter } from '../output.js';
import { action, positiveInt } from './common.js';
import { printInfo } from './info.js';

interface UpOptions {
  name?: string;
  driver?: string;
  config?: string;
  masters?: number;
  agents?: number;
  marathon: boolean;
  marathons?: number;
  chronos: boolean;
  wait?: string;
  logLevel?: string;
  retain?: boolean;
  json?: boolean;
}

export function registerUp(program: Command): void {
  const cmd = program
    .command('up')
    .description('boot ZooKeeper, masters, agents, Marathon and Chronos; returns when every node is ready')
    .option(
      '-n, --name <name>',
      "cluster name (default: $SANDBOX_CLUSTER, else the config file's, else 'sandbox')",
    )
    .option('--driver <driver>', 'process (default) or docker')
    .option('--config <file>', 'a cluster config file (see sandbox init)')
    .option('--masters <n>', 'number of masters', positiveInt)
    .option('--agents <n>', 'number of agents', positiveInt)
    .option('--no-marathon', 'leave Marathon out')
    .option('--marathons <n>', 'Marathon instances (more than 1: HA, one leads)', positiveInt)
    .option('--no-chronos', 'leave Chronos out')
    .option('--wait <duration>', 'how long each node may take to become ready (default 60s)')
    .option('--log-level <level>', 'debug, info, warn or error')
    .option('--retain', 'keep the nodes of a failed up, for debugging')
    .option('--json', 'print the cluster document (as sandbox info --json) on stdout');
  cmd.action(
    action(async (opts: UpOptions) => {
      const flags: ClusterFlags = {};
      // As every other verb: so that `SANDBOX_CLUSTER=dev sandbox up` makes what `sandbox status` finds.
      const name = opts.name ?? process.env.SANDBOX_CLUSTER;
      if (name !== undefined) flags.name = name;
      if (opts.driver !== undefined) flags.driver = opts.driver;
      if (opts.masters !== undefined) flags.masters = opts.masters;
      if (opts.agents !== undefined) flags.agents = opts.agents;
      if (opts.wait !== undefined) flags.wait = opts.wait;
      if (opts.logLevel !== undefined) flags.logLevel = opts.logLevel;
      // --no-x only counts when given: otherwise the config file decides.
      if (cmd.getOptionValueSource('marathon') === 'cli') flags.marathon = opts.marathon;
      if (cmd.getOptionValueSource('chronos') === 'cli') flags.chronos = opts.chronos;
      if (opts.marathons !== undefined) flags.marathons = opts.marathons;
      const file = opts.config ? loadClusterConfig(opts.config) : null;
      const spec = resolveClusterSpec(file, flags);

      // Names are unique across drivers: `down --name` must know which cluster it removes.
      for (const other of await availableDrivers()) {
        if (other.name !== spec.driver && (await other.list()).includes(spec.name)) {
          throw new ClusterNameTakenError(spec.name, other.name);
        }
      }
      const report = await stepReporter();
      const driver = await createDriver(spec.driver, { onStep: (m) => message(`   ${m}`) });
      const abort = new AbortController();
      const onSignal = (): void => {
        if (abort.signal.aborted) process.exit(130);
        message('Interrupted: removing what was started (Ctrl-C again to leave it as it is)');
        abort.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const started = Date.now();
      try {
        const info = await clusterUp({
          spec,
          driver,
          onStep: report,
          signal: abort.signal,
          retain: opts.retain ?? false,
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(info) + '\n');
        } else {
          printInfo(info);
          message(
            `Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Remove it with: sandbox down --name ${spec.name}`,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }),
  );
}
