// Helpers for test files: the cluster a globalSetup shares (provide/inject), and the nodes' logs
// exported when a test fails, so a CI run keeps what a red test needs to be understood.
import { join, resolve } from 'node:path';
import { beforeEach, inject } from 'vitest';
import type { ClusterInfo } from '../../cluster/lifecycle.js';
import type { ClusterLike } from './cluster-like.js';
import { clusterInfoOf } from './cluster-like.js';
import { SHARED_CLUSTER_KEY } from './global-setup.js';

/**
 * Copies every node's logs into dir/<node-id>/: through the handle's own exportLogs when it has one,
 * else through the cluster's driver (found from the ClusterInfo, with $SANDBOX_STATE_DIR as `sandbox` uses).
 */
export async function exportClusterLogs(cluster: ClusterLike | ClusterInfo, dir: string): Promise<void> {
  if ('exportLogs' in cluster && typeof cluster.exportLogs === 'function') return cluster.exportLogs(dir);
  const info = clusterInfoOf(cluster);
  if (!info)
    throw new TypeError('expected a sandbox cluster (an object with info: ClusterInfo, or a ClusterInfo)');
  const { createDriver } = await import('../../cluster/drivers/registry.js');
  const driver = await createDriver(info.driver);
  await driver.exportLogs(info.name, dir);
}

/** The cluster a globalSetup made with sandboxGlobalSetup, usable with the matchers and log export. */
export interface SharedCluster extends ClusterLike {
  exportLogs(dir: string): Promise<void>;
}

/** The cluster sandboxGlobalSetup started for this run; throws, saying what to add, without one. */
export function useSharedCluster(): SharedCluster {
  const info = inject(SHARED_CLUSTER_KEY) as ClusterInfo | undefined;
  if (!info) {
    throw new Error(
      "no shared sandbox cluster: add a globalSetup file that does `export default sandboxGlobalSetup(...)` to vitest's `test.globalSetup`",
    );
  }
  return { info, exportLogs: (dir) => exportClusterLogs(info, dir) };
}

/** Where the logs of a failed test go: one directory per test, named after its full name. */
export function failureLogDir(root: string, testFullName: string): string {
  const slug = testFullName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return join(root, slug || 'test');
}

export interface ExportLogsOptions {
  /** The root directory. Default $SANDBOX_LOGS_DIR, else ./sandbox-logs. */
  dir?: string;
  /** How long the export may take. Default 60 000 ms. */
  timeoutMs?: number;
}

/**
 * Registers a beforeEach that, when a test of the file (or suite) fails, copies every node's logs to
 * <dir>/<test name>/ and prints where. Pass a function when the cluster is made in a beforeAll.
 */
export function exportLogsOnFailure(
  cluster: ClusterLike | ClusterInfo | (() => ClusterLike | ClusterInfo | undefined),
  opts: ExportLogsOptions = {},
): void {
  const root = resolve(opts.dir ?? process.env.SANDBOX_LOGS_DIR ?? 'sandbox-logs');
  beforeEach((ctx) => {
    ctx.onTestFailed(async () => {
      const current = typeof cluster === 'function' ? cluster() : cluster;
      const info = clusterInfoOf(current);
      if (!current || !info) return;
      const dir = failureLogDir(root, ctx.task.fullName);
      try {
        await exportClusterLogs(current, dir);
        console.error(`logs of cluster '${info.name}' for the failed test "${ctx.task.name}": ${dir}`);
        await ctx.annotate(`cluster logs: ${dir}`, 'sandbox-logs');
      } catch (err) {
        // Never hide the test's own failure behind the export's.
        console.error(`could not export the logs of cluster '${info.name}': ${(err as Error).message}`);
      }
    }, opts.timeoutMs ?? 60_000);
  });
}
