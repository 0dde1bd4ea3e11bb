// `sandbox image build`: build the Docker driver's node image locally (no registry needed).
import type { Command } from 'commander';
import { message } from '../output.js';
import { action } from './common.js';

export function registerImage(program: Command): void {
  const image = program.command('image').description("the Docker driver's node image");
  image
    .command('build')
    .description('build the node image (the base from Debian packages when it cannot be pulled)')
    .option('--rebuild', 'rebuild the base image too')
    .action(
      action(async (opts: { rebuild?: boolean }) => {
        const { buildNodeImage } = await import('../../src/cluster/drivers/docker/image.js');
        const name = await buildNodeImage({
          rebuild: opts.rebuild ?? false,
          onStep: (m: string) => message(` • ${m}`),
        });
        message(`Built ${name}`);
      }),
    );
}
