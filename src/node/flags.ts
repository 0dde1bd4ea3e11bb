// Mesos-style command-line flags (`--name=value`, `--name value`, `--flag`, `--no-flag`), checked
// against the flags a role knows so a typo is an error, not a silent default.
import { parseBytes } from '../util/bytes.js';

export interface FlagSpec {
  /** Shown in --help. */
  help: string;
  default?: string;
  boolean?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export class FlagError extends Error {}

export function parseFlags(argv: readonly string[], specs: FlagSpecs): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs))
    if (spec.default !== undefined) values[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--'))
      throw new FlagError(`Unexpected argument '${arg}' (flags look like --name=value)`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = name.replace(/-/g, '_');
    const spec = specs[name];
    if (!spec && name.startsWith('no_') && specs[name.slice(3)]?.boolean && value === undefined) {
      values[name.slice(3)] = 'false';
      continue;
    }
    if (!spec) throw new FlagError(`Unknown flag '--${name}'`);
    if (value === undefined) {
      if (spec.boolean) value = 'true';
      else {
        value = argv[++i];
        if (value === undefined) throw new FlagError(`Flag '--${name}' needs a value`);
      }
    }
    if (spec.boolean && value !== 'true' && value !== 'false') {
      throw new FlagError(`Flag '--${name}' takes true or false, not '${value}'`);
    }
    values[name] = value;
  }
  return values;
}

export function flagsHelp(role: string, specs: FlagSpecs): string {
  const lines = [`Usage: sandbox-node ${role} [--flag=value ...]`, ''];
  for (const [name, spec] of Object.entries(specs)) {
    lines.push(`  --${name}${spec.boolean ? '' : '=VALUE'}`);
    lines.push(`      ${spec.help}${spec.default !== undefined ? ` (default: ${spec.default})` : ''}`);
  }
  return lines.join('\n');
}

export function intFlag(values: Record<string, string>, name: string): number {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < 0)
    throw new FlagError(`Flag '--${name}' must be a non-negative integer, not '${values[name]}'`);
  return v;
}

export function positiveNumberFlag(flags: Record<string, string>, name: string): number {
  const v = Number(flags[name]);
  if (!Number.isFinite(v) || v <= 0)
    throw new FlagError(`Flag '--${name}' must be a positive number, not '${flags[name]}'`);
  return v;
}

/** A Mesos byte size flag (`2GB`, `512MB`). */
export function bytesFlag(flags: Record<string, string>, name: string): number {
  try {
    return parseBytes(flags[name]!);
  } catch (err) {
    throw new FlagError(`Flag '--${name}': ${(err as Error).message}`);
  }
}
