// What every verb shares: the cluster name option, finding the cluster's driver, and turning
// errors into the documented exit codes.
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../../src/cluster/config.js';
import {
  ClusterNameTakenError,
  ClusterNotFoundError,
  DriverUnavailableError,
  NodeNotFoundError,
  type Driver,
} from '../../src/cluster/drivers/driver.js';
import { driverOf } from '../../src/cluster/drivers/registry.js';
import { NodeNotReadyError, UpAbortedError } from '../../src/cluster/lifecycle.js';
import { CliError, EXIT, message } from '../output.js';

export const DEFAULT_NAME = 'sandbox';

export function nameOption(cmd: Command): Command {
  return cmd.option('-n, --name <name>', `the cluster (default: $SANDBOX_CLUSTER or '${DEFAULT_NAME}')`);
}

export function clusterName(opts: { name?: string }): string {
  return opts.name ?? process.env.SANDBOX_CLUSTER ?? DEFAULT_NAME;
}

export async function clusterDriver(opts: { name?: string }): Promise<{ name: string; driver: Driver }> {
  const name = clusterName(opts);
  return { name, driver: await driverOf(name) };
}

export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError) return EXIT.usage;
  if (err instanceof NodeNotReadyError) return EXIT.notReady;
  if (err instanceof DriverUnavailableError) return EXIT.driverUnavailable;
  if (err instanceof ClusterNameTakenError) return EXIT.nameTaken;
  if (err instanceof ClusterNotFoundError || err instanceof NodeNotFoundError) return EXIT.notFound;
  if (err instanceof UpAbortedError) return EXIT.interrupted;
  return EXIT.error;
}

/** Wraps an action: errors become one clear message on stderr and their exit code. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // A command whose work is still pending when the event loop runs dry would otherwise end with
    // exit code 0 having done nothing (a promise nobody can settle any more): say so and fail.
    const guard = (): void => {
      message('sandbox: internal error: the command ended with its work unfinished');
      process.exit(EXIT.error);
    };
    process.once('beforeExit', guard);
    try {
      process.exitCode = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      message(`sandbox: ${(err as Error).message}`);
      if (err instanceof NodeNotReadyError)
        message(`--- last lines of ${err.nodeId}'s log ---\n${err.logTail}`);
      process.exitCode = exitCodeOf(err);
    } finally {
      process.off('beforeExit', guard);
    }
  };
}
