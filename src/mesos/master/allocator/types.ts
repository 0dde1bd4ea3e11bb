// The allocator's vocabulary as the master sees it: options, offers out, summaries for endpoints.
import type { Resource } from '../../protocol/types.js';
import type { MinAllocatable } from './min-allocatable.js';

export interface AllocatorOptions {
  /** Mesos `--allocation_interval`; refusal filters last at least this long. Default 1000. */
  allocationIntervalMs?: number;
  /** Mesos `--min_allocatable_resources`; default `cpus:0.01|mem:32`. */
  minAllocatableResources?: MinAllocatable;
  /** Mesos `--fair_sharing_excluded_resource_names` (e.g. ['gpus']). */
  fairnessExcludedResourceNames?: readonly string[];
  /** Source of randomness for the agent shuffle; default Math.random. */
  random?: () => number;
}

/** One offer's worth: everything `role` may use on `agentId`, for `frameworkId`. */
export interface Allocation {
  frameworkId: string;
  role: string;
  agentId: string;
  /** With allocation_info.role set; owned by the caller. */
  resources: Resource[];
}

export interface RoleSummary {
  name: string;
  weight: number;
  /** Offered or allocated to frameworks in this role (without allocation_info). */
  allocated: Resource[];
  frameworks: string[];
}

export interface AllocatorStats {
  allocationRuns: number;
  /** Offers made over all runs (one per framework, role and agent). */
  allocationsMade: number;
  lastRunCandidates: number;
  lastRunAllocations: number;
  frameworks: number;
  agents: number;
  roles: number;
}
