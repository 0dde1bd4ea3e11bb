// `sandbox init [FILE]`: write a commented example config file.
import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { EXAMPLE_CONFIG } from '../../src/cluster/config.js';
import { CliError, EXIT, message } from '../output.js';
import { action } from './common.js';

export function registerInit(program: Command): void {
  program
    .command('init [file]')
    .description('write a commented example cluster config (default sandbox.yaml); use it with up --config')
    .option('--force', 'overwrite an existing file')
    .action(
      action(async (file: string | undefined, opts: { force?: boolean }) => {
        const path = file ?? 'sandbox.yaml';
        if (file === '-') {
          process.stdout.write(EXAMPLE_CONFIG);
          return;
        }
        if (existsSync(path) && !opts.force)
          throw new CliError(`${path} exists (use --force to overwrite it)`, EXIT.usage);
        writeFileSync(path, EXAMPLE_CONFIG);
        message(`Wrote ${path}. Start it with: sandbox up --config ${path}`);
        return Promise.resolve();
      }),
    );
}
