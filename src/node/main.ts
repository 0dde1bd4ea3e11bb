#!/usr/bin/env node
// `sandbox-node <role> [--flag=value ...]`: runs one node of a cluster in this process. Every driver
// (process, docker, vagrant) starts nodes through this one entry point.
import { createLogger, parseLogLevel } from '../util/log.js';
import { MASTER_FLAGS } from './master-flags.js';
import { runMasterNode } from './master-node.js';
import { AGENT_FLAGS } from './agent-flags.js';
import { runAgentNode } from './agent-node.js';
import { ZOOKEEPER_FLAGS, runZooKeeperNode } from './zookeeper-node.js';
import { MARATHON_FLAGS } from './marathon-flags.js';
import { CHRONOS_FLAGS } from './chronos-flags.js';
import { FlagError, flagsHelp, parseFlags, type FlagSpecs } from './flags.js';

const ROLES: Record<string, FlagSpecs> = {
  master: MASTER_FLAGS,
  agent: AGENT_FLAGS,
  zookeeper: ZOOKEEPER_FLAGS,
  marathon: MARATHON_FLAGS,
  chronos: CHRONOS_FLAGS,
};

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv;
  if (!role || role === '--help' || role === 'help') {
    process.stdout.write(`Usage: sandbox-node <${Object.keys(ROLES).join('|')}> [--flag=value ...]\n`);
    return role ? 0 : 2;
  }
  const specs = ROLES[role];
  if (!specs) {
    process.stderr.write(`Unknown role '${role}': expected one of ${Object.keys(ROLES).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help')) {
    process.stdout.write(flagsHelp(role, specs) + '\n');
    return 0;
  }
  let flags: Record<string, string>;
  try {
    flags = parseFlags(rest, specs);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${flagsHelp(role, specs)}\n`);
    return 2;
  }
  const log = createLogger({
    ...(flags.log_file ? { file: flags.log_file } : {}),
    level: parseLogLevel(flags.log_level),
    fields: { role },
  });
  process.on('uncaughtException', (err) => {
    log.error('Uncaught exception', { error: err.message, stack: err.stack });
    process.exit(1);
  });
  try {
    if (role === 'zookeeper') return await runZooKeeperNode(flags, log);
    const node =
      role === 'master'
        ? await runMasterNode(flags, log)
        : role === 'marathon'
          ? // Loaded only when needed: the master and agent never pay for the frameworks' modules.
            await (await import('./marathon-node.js')).runMarathonNode(flags, log)
          : role === 'chronos'
            ? await (await import('./chronos-node.js')).runChronosNode(flags, log)
            : await runAgentNode(flags, log);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
    });
    log.info('Stopping');
    await node.stop();
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    log.error('Node failed', { error: message });
    process.stderr.write(`sandbox-node ${role}: ${message}\n`);
    return err instanceof FlagError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
