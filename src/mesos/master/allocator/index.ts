// The allocator: a pure hierarchical DRF allocator the master drives (see hierarchical-allocator.ts).
export * from './drf-sorter.js';
export * from './filters.js';
export * from './min-allocatable.js';
export {
  HierarchicalAllocator,
  type Allocation,
  type AllocatorOptions,
  type AllocatorStats,
  type FrameworkOptions,
  type RoleSummary,
} from './hierarchical-allocator.js';
