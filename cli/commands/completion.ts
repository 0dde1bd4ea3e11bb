// `sandbox completion bash|zsh|fish`: print a completion script, e.g. `source <(sandbox completion bash)`.
import { Argument, type Command } from 'commander';
import { completionScript } from '../completion.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(sandbox completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action((shell: 'bash' | 'zsh' | 'fish') => {
      process.stdout.write(completionScript(shell, program));
    });
}
