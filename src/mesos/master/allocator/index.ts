// The allocator: a pure hierarchical DRF allocator the master drives (see hierarchical-allocator.ts).
export { HierarchicalAllocator } from './hierarchical-allocator.js';
export type { Allocation, AllocatorOptions, AllocatorStats, RoleSummary } from './types.js';
export type { FrameworkOptions } from './framework-state.js';
export { DrfSorter, type DrfSorterOptions } from './drf-sorter.js';
export * from './filters.js';
export * from './min-allocatable.js';
