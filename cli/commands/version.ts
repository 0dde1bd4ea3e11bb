// `sandbox version`.
import type { Command } from 'commander';
import { packageVersion } from '../../src/version.js';
import { MESOS_VERSION } from '../../src/mesos/master/model.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the sandbox version and the Mesos version it speaks')
    .action(() => {
      process.stdout.write(`sandbox ${packageVersion()} (Mesos API ${MESOS_VERSION})\n`);
    });
}
