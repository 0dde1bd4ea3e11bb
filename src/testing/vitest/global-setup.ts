// vitest globalSetup: one cluster for the whole run, its endpoints handed to every test file through
// provide/inject. This module runs in vitest's main process, so it imports nothing of vitest at run
// time (only types).
import type { TestProject } from 'vitest/node';
import type { ClusterInfo } from '../../cluster/lifecycle.js';

/** The provide/inject key under which the shared cluster's ClusterInfo travels. */
export const SHARED_CLUSTER_KEY = 'mesosSandboxCluster';

declare module 'vitest' {
  export interface ProvidedContext {
    mesosSandboxCluster: ClusterInfo;
  }
}

/** What a start function gives back: a started (or attached) cluster and how to end it. */
export interface StartedCluster {
  readonly info: ClusterInfo;
  stop(): Promise<void>;
}

/**
 * A globalSetup function that starts one cluster with `start`, provides its ClusterInfo to the
 * test files (see useSharedCluster) and stops it when the run ends. In a globalSetup file:
 * `export default sandboxGlobalSetup(() => startCluster({ agents: 2 }))`.
 */
export function sandboxGlobalSetup(
  start: () => Promise<StartedCluster>,
): (project: TestProject) => Promise<() => Promise<void>> {
  return async (project) => {
    const cluster = await start();
    project.provide(SHARED_CLUSTER_KEY, cluster.info);
    return () => cluster.stop();
  };
}
