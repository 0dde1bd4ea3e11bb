import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'fixtures/**/*.test.ts',
    ],
    // Integration tests boot real ZooKeeper, master and agent processes; they share ports and the
    // host's cgroups, so files run one at a time. Unit tests are fast either way.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
