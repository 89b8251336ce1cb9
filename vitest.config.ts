import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2-core machines: keep test files from fighting over the cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
