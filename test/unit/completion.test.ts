import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Argument, Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../cli/completion.js';

function testProgram(): Command {
  const program = new Command('sandbox').version('0.1.0', '--version');
  program
    .command('up')
    .description("boot a cluster (it's fast)")
    .option('--name <name>', 'cluster name')
    .addOption(new Option('--driver <driver>', 'process or docker').choices(['process', 'docker']))
    .option('--retain', 'keep a failed cluster');
  program.command('down').description('delete a cluster').option('--all', 'every cluster');
  const exp = program.command('export').description('export things');
  exp
    .command('logs')
    .description('write every node log to a directory')
    .argument('<dir>')
    .option('--tail <n>');
  exp.command('config').alias('cfg').description('print the cluster config');
  program.command('logs').argument('<node>').option('--follow', 'keep printing');
  program.command('hidden-cmd', { hidden: true });
  program.command('completion').addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish']));
  return program;
}

function hasShell(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

/** Writes the script to a file and returns its path (sourcing a file keeps quoting out of the way). */
function scriptFile(shell: 'bash' | 'zsh' | 'fish'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'completion-')), `sandbox.${shell}`);
  writeFileSync(path, completionScript(shell, testProgram()));
  return path;
}

describe('bash completion', () => {
  const script = scriptFile('bash');

  /** What the completion function offers for the words typed; the last word is the one completed. */
  function complete(...words: string[]): string[] {
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sandbox_completion; printf '%s\\n' "\${COMPREPLY[@]}"`,
        script,
        ...words,
      ],
      { encoding: 'utf8' },
    );
    return out.split('\n').filter((l) => l !== '');
  }

  it('passes bash -n and registers the function', () => {
    execFileSync('bash', ['-n', script]);
    expect(
      execFileSync('bash', ['-c', 'source "$0"; complete -p sandbox', script], { encoding: 'utf8' }),
    ).toContain('-F _sandbox_completion sandbox');
  });

  it('completes subcommands', () => {
    expect(complete('sandbox', 'u')).toEqual(['up']);
    expect(complete('sandbox', '')).toEqual(['up', 'down', 'export', 'logs', 'completion', 'help']);
    expect(complete('sandbox', 'hid')).toEqual([]);
  });

  it('completes nested subcommands, also after options and through aliases', () => {
    expect(complete('sandbox', 'export', 'l')).toEqual(['logs']);
    expect(complete('sandbox', 'export', '')).toEqual(['logs', 'config', 'help']);
    expect(complete('sandbox', 'export', 'logs', '--t')).toEqual(['--tail']);
    expect(complete('sandbox', 'export', 'cfg', '--')).toEqual(['--help']);
  });

  it("completes a command's long options", () => {
    expect(complete('sandbox', 'up', '--d')).toEqual(['--driver']);
    expect(complete('sandbox', 'up', '--')).toEqual(['--name', '--driver', '--retain', '--help']);
    expect(complete('sandbox', 'down', '--')).toEqual(['--all', '--help']);
    expect(complete('sandbox', '--v')).toEqual(['--version']);
    // A command without arguments or subcommands offers its options even before a dash.
    expect(complete('sandbox', 'down', '')).toEqual(['--all', '--help']);
    // Options of a subcommand are not offered to its parent.
    expect(complete('sandbox', '--a')).toEqual([]);
  });

  it('completes option values from choices, in every form bash splits them into', () => {
    expect(complete('sandbox', 'up', '--driver', '')).toEqual(['process', 'docker']);
    expect(complete('sandbox', 'up', '--driver', 'd')).toEqual(['docker']);
    expect(complete('sandbox', 'up', '--driver', '=', 'p')).toEqual(['process']);
    expect(complete('sandbox', 'up', '--driver', '=')).toEqual(['process', 'docker']);
    expect(complete('sandbox', 'up', '--driver=d')).toEqual(['--driver=docker']);
    // A value without choices is left to the shell's default (file names).
    expect(complete('sandbox', 'up', '--name', '')).toEqual([]);
  });

  it('does not mistake an option value for a subcommand', () => {
    expect(complete('sandbox', 'up', '--name', 'export', '--')).toEqual([
      '--name',
      '--driver',
      '--retain',
      '--help',
    ]);
    expect(complete('sandbox', 'up', '--driver', '=', 'docker', '--r')).toEqual(['--retain']);
  });

  it("completes a positional argument's choices, and command names after help", () => {
    expect(complete('sandbox', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('sandbox', 'completion', 'f')).toEqual(['fish']);
    expect(complete('sandbox', 'help', '')).toEqual(['up', 'down', 'export', 'logs', 'completion']);
    expect(complete('sandbox', 'export', 'help', '')).toEqual(['logs', 'config']);
  });

  it('leaves positional arguments to the shell default', () => {
    expect(complete('sandbox', 'logs', '')).toEqual([]);
    expect(complete('sandbox', 'logs', '--f')).toEqual(['--follow']);
  });
});

describe('zsh completion', () => {
  const script = completionScript('zsh', testProgram());

  it('is a compdef function with every command, option and choice', () => {
    expect(script.startsWith('#compdef sandbox\n')).toBe(true);
    expect(script).toContain('compdef _sandbox sandbox');
    for (const word of [
      "'up:boot a cluster (it'\\''s fast)'",
      "'down:delete a cluster'",
      "'logs:write every",
    ])
      expect(script).toContain(word);
    expect(script).toContain("'export config')");
    expect(script).toContain("'export|cfg') _sc_child='export config'");
    expect(script).toContain("'--driver:process or docker'");
    expect(script).toContain("_sc_choices=('process' 'docker')");
    expect(script).not.toContain('hidden-cmd');
  });

  it('passes zsh -n and completes in zsh, when zsh is installed', () => {
    if (!hasShell('zsh')) return;
    const file = scriptFile('zsh');
    execFileSync('zsh', ['-n', file]);
    // The completion system's builtins, stubbed to print what they are given.
    const harness = `
      compdef() { :; }
      _describe() { print -r -- "\${(@P)4}"; }
      compadd() { print -r -- "\${(@P)2}"; }
      _files() { print files; }
      compset() { :; }
      source "$0"
      words=("$@"); CURRENT=$#
      _sandbox`;
    const zsh = (...words: string[]): string =>
      execFileSync('zsh', ['-f', '-c', harness, file, ...words], { encoding: 'utf8' }).trim();
    expect(zsh('sandbox', 'u')).toContain('up:boot a cluster');
    expect(zsh('sandbox', 'up', '--d')).toContain('--driver:process or docker');
    expect(zsh('sandbox', 'up', '--driver', '')).toBe('process docker');
    expect(zsh('sandbox', 'export', 'l')).toContain('logs:write every node log');
    expect(zsh('sandbox', 'export', 'logs', '')).toBe('files');
  });
});

describe('fish completion', () => {
  const script = completionScript('fish', testProgram());

  it('has a complete line for every command and option', () => {
    expect(script).toContain(
      "complete -c sandbox -n '__sandbox_completion_at \\'\\'' -f -a 'up' -d 'boot a cluster (it\\'s fast)'",
    );
    expect(script).toContain("complete -c sandbox -n '__sandbox_completion_at \\'export\\'' -f -a 'logs'");
    expect(script).toContain(
      "complete -c sandbox -n '__sandbox_completion_at \\'up\\'' -l 'driver' -x -a 'process docker' -d 'process or docker'",
    );
    expect(script).toContain("-l 'name' -r -d 'cluster name'");
    expect(script).toContain("-s 'h' -l 'help' -d 'display help for command'");
    expect(script).toContain("case 'export|cfg'\n            echo 'export config'");
    expect(script).not.toContain('hidden-cmd');
  });

  it('passes fish -n and completes in fish, when fish is installed', () => {
    if (!hasShell('fish')) return;
    const file = scriptFile('fish');
    execFileSync('fish', ['-n', file]);
    const fish = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')[0]!);
    expect(fish('sandbox u')).toEqual(['up']);
    expect(fish('sandbox up --d')).toEqual(['--driver']);
    expect(fish('sandbox up --driver ')).toEqual(['docker', 'process']);
    expect(fish('sandbox export l')).toEqual(['logs']);
    expect(fish('sandbox up --name export --r')).toEqual(['--retain']);
  });
});
